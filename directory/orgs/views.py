"""Browsing the organisation tree: the tree, an organisation's page, the look-up fragment."""

from __future__ import annotations

from flask import Blueprint, request
from flask_login import current_user, login_required

from directory.liaison import services as liaison
from directory.liaison.permissions import can_view_committee, is_committee
from directory.orgs import queries
from directory.orgs.permissions import can_create_top_level, can_manage_org, can_view_roster
from directory.orgs.picker import org_picker
from directory.orgs.services import lookup as lookup_orgs
from directory.people.permissions import ContactPolicy
from directory.transfers.accepting import roster_markers
from directory.web.rendering import render, wants_fragment

bp = Blueprint("orgs", __name__, url_prefix="/orgs")


@bp.route("/")
@login_required
def index() -> str:
    """The top-level organisations; their subtrees open level by level.

    `q` filters: the loaded tree in the browser as one types (static/js/app.js), and
    without JavaScript a list of organisations whose name contains it.
    """
    q = "".join(ch for ch in request.args.get("q", "")[:100] if ch.isprintable()).strip()
    me = current_user._get_current_object()
    return render(
        "orgs/index.html",
        "tree",
        nodes=queries.tree_nodes(None),
        can_create=can_create_top_level(me),
        q=q,
        matches=lookup_orgs(q, limit=50) if q else [],
        my_org=me.membership_org
        or (me.current_positions[0].organisation if me.current_positions else None),
    )


@bp.route("/<id:org_id>/children")
@login_required
def children(org_id: int) -> str:
    """One level of the tree: a fragment for htmx, a page of its own without JavaScript."""
    org = queries.get_org(org_id)
    return render(
        "orgs/children.html",
        "nodes",
        org=org,
        ancestors=[] if wants_fragment() else queries.ancestors(org),
        nodes=queries.tree_nodes(org.id),
    )


@bp.route("/<id:org_id>")
@login_required
def show(org_id: int) -> str:
    """An organisation: where it sits, its children, cadres, roster and admins."""
    viewer = current_user._get_current_object()
    org = queries.get_org(org_id)
    roster_visible = can_view_roster(viewer, org)
    page = queries.org_page(org, with_roster=roster_visible)
    policy = ContactPolicy(viewer, [*page.current_people, *page.roster])
    # Roster members with a transfer in progress, and who is on the way in (one query).
    markers = roster_markers(org.id, [p.id for p in page.roster]) if roster_visible else None
    return render(
        "orgs/show.html",
        "org",
        page=page,
        org=page.org,
        policy=policy,
        roster_visible=roster_visible,
        can_manage=can_manage_org(viewer, org),
        transfer_markers=markers,
        liaisons=liaison.for_org(viewer, org),
        liaison_committee=org if is_committee(org) and can_view_committee(viewer, org) else None,
    )


#: htmx sends an input under its own name, so the picker reads whichever field asked.


@bp.route("/lookup")
@login_required
def lookup() -> str:
    """`<option>` elements for an organisation `<datalist>` (empty for an empty query)."""
    return org_picker(page=False)
