"""API: the organisation tree, one organisation, its cadres; regions."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_login import current_user
from werkzeug.wrappers import Response

from directory.api import respond
from directory.api.schemas import (
    CadreList,
    OrgList,
    OrgOut,
    OrgQuery,
    RegionDetail,
    RegionList,
)
from directory.api.spec import responses, spec
from directory.api.views import bp
from directory.extensions import db
from directory.orgs import queries
from directory.orgs.permissions import can_view_roster
from directory.orgs.queries import TreeNode
from directory.people.org_pages import cadre_counts, org_people
from directory.people.permissions import ContactPolicy
from directory.regions import services as regions
from directory.regions.models import Region


def _nodes(nodes: list[TreeNode]) -> list[dict[str, Any]]:
    cadres = cadre_counts([n.org.id for n in nodes])
    return [_node(n, cadres.get(n.org.id, 0)) for n in nodes]


def _node(n: TreeNode, cadre_count: int) -> dict[str, Any]:
    o = n.org
    return {
        "id": o.id,
        "name": o.name,
        "level": o.level.value,
        "sector": respond.enum_value(o.sector),
        "region": o.region.code,
        "dissolved": o.is_dissolved,
        "child_count": n.child_count,
        "cadre_count": cadre_count,
    }


@bp.route("/organisations")
@spec.validate(query=OrgQuery, resp=responses(OrgList, 404), tags=["organisations"])
def organisations() -> Response:
    """One level of the organisation tree: the top level, or the children of `parent`."""
    parent: int | None = request.context.query.parent  # type: ignore[attr-defined]  # set by spectree
    parent_id = None if parent is None else queries.get_org(parent).id
    nodes = queries.tree_nodes(parent_id)
    return respond.ok({"items": _nodes(nodes)})


@bp.route("/organisations/<id:org_id>")
@spec.validate(resp=responses(OrgOut, 404), tags=["organisations"])
def organisation(org_id: int) -> Response:
    """One organisation: where it sits, its children, the size of its membership."""
    org = queries.get_org(org_id)
    people = org_people(org, with_roster=False)
    return respond.ok(
        {
            "id": org.id,
            "name": org.name,
            "level": org.level.value,
            "sector": respond.enum_value(org.sector),
            "region": org.region.code,
            "dissolved": org.is_dissolved,
            "parent_id": org.parent_id,
            "ancestors": [respond.org_ref(a) for a in queries.ancestors(org)],
            "children": _nodes(queries.tree_nodes(org.id)),
            "member_count": people.member_count,
            "roster_visible": can_view_roster(current_user, org),
        }
    )


@bp.route("/organisations/<id:org_id>/cadres")
@spec.validate(resp=responses(CadreList, 404), tags=["organisations"])
def organisation_cadres(org_id: int) -> Response:
    """The organisation's cadres (confirmed posts), current and former, with visible contacts."""
    org = queries.get_org(org_id)
    people = org_people(org, with_roster=False)
    policy = ContactPolicy(current_user, [p.person for p in [*people.current, *people.former]])

    def row(pos: Any) -> dict[str, Any]:
        return {
            "person_id": pos.person_id,
            "name": pos.person.name,
            "title": pos.title,
            "start": respond.iso(pos.start_date),
            "end": respond.iso(pos.end_date),
            "contacts": policy.visible_contacts(pos.person),
        }

    return respond.ok(
        {"current": [row(p) for p in people.current], "former": [row(p) for p in people.former]}
    )


def _region(r: Region) -> dict[str, Any]:
    return {"code": r.code, "name": r.name, "level": r.level.value}


@bp.route("/regions")
@spec.validate(resp=responses(RegionList), tags=["regions"])
def region_list() -> Response:
    """The provinces."""
    provinces = db.session.scalars(regions.children_select(None)).all()
    return respond.ok({"items": [_region(r) for r in provinces]})


@bp.route("/regions/<code>")
@spec.validate(
    resp=responses(RegionDetail, 404),
    tags=["regions"],
    path_parameter_descriptions={"code": "Division code (2, 4, 6, 9 or 12 digits)"},
)
def region(code: str) -> Response:
    """A region with its ancestors, its children and the live organisations in its subtree."""
    chain = regions.region_chain(code)
    r = chain[-1]
    children = db.session.scalars(regions.children_select(r)).all()
    counts = queries.org_counts(r)
    return respond.ok(
        {
            **_region(r),
            "ancestors": [_region(a) for a in chain[:-1]],
            "children": [_region(c) for c in children],
            "organisation_count": sum(counts.values()),
        }
    )
