"""Browsing the organisation tree: the tree, an organisation's page, the look-up fragment."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request
from flask_login import current_user, login_required

from directory.orgs import queries
from directory.orgs.permissions import can_create_top_level, can_manage_org, can_view_roster
from directory.orgs.picker import org_picker
from directory.orgs.services import lookup as lookup_orgs
from directory.regions.models import Region
from directory.web.pages import page_parts
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
    nodes = queries.tree_nodes(None)
    return render(
        "orgs/index.html",
        "tree",
        nodes=nodes,
        can_create=can_create_top_level(me),
        q=q,
        matches=lookup_orgs(q, limit=50) if q else [],
        my_org=me.membership_org
        or (me.current_positions[0].organisation if me.current_positions else None),
        # What other features add: the current cadres beside each organisation (people).
        **page_parts("orgs.index", nodes=nodes),
    )


@bp.route("/<id:org_id>/children")
@login_required
def children(org_id: int) -> str:
    """One level of the tree: a fragment for htmx, a page of its own without JavaScript."""
    org = queries.get_org(org_id)
    nodes = queries.tree_nodes(org.id)
    return render(
        "orgs/children.html",
        "nodes",
        org=org,
        ancestors=[] if wants_fragment() else queries.ancestors(org),
        nodes=nodes,
        **page_parts("orgs.children", nodes=nodes),
    )


@bp.route("/<id:org_id>")
@login_required
def show(org_id: int) -> str:
    """An organisation: where it sits, its children, cadres, roster and admins."""
    viewer = current_user._get_current_object()
    org = queries.get_org(org_id)
    roster_visible = can_view_roster(viewer, org)
    children = queries.tree_nodes(org.id)
    return render(
        "orgs/show.html",
        "org",
        org=org,
        ancestors=queries.ancestors(org),
        children=children,
        roster_visible=roster_visible,
        can_manage=can_manage_org(viewer, org),
        # What other features add: the cadres, admins and roster, and the children's
        # cadre counts (people); 转接中 markers on the roster (transfers); the liaisons.
        **page_parts(
            "orgs.show", viewer=viewer, org=org, roster_visible=roster_visible, nodes=children
        ),
    )


#: htmx sends an input under its own name, so the picker reads whichever field asked.


@bp.route("/lookup")
@login_required
def lookup() -> str:
    """`<option>` elements for an organisation `<datalist>` (empty for an empty query)."""
    return org_picker(page=False)


# Parts of the regions' pages (added in orgs.init_app; see web/pages.py).


def region_page_part(*, region: Region | None, **_: Any) -> dict[str, Any]:
    """Live organisations per child of a region (of the provinces for None) and, for a
    region, the query of those located in it directly, for its page to paginate."""
    part: dict[str, Any] = {"counts": queries.org_counts(region)}
    if region is not None:
        part["orgs_query"] = queries.orgs_select(region)
    return part
