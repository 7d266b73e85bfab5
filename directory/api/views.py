"""The JSON API (blueprint `api`, /api/v1): its description, reference page and people.

Every operation goes through the same services and permission predicates as the pages.
The other operations are in org_views.py, group_views.py and transfer_views.py.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user
from werkzeug.wrappers import Response

from directory.api import hooks, respond
from directory.api.schemas import PeopleQuery, PeopleSearch, PersonOut, PositionList
from directory.api.spec import document, responses, spec
from directory.people import services as people
from directory.people.permissions import ContactPolicy, can_see_position
from directory.search import service
from directory.search.service import Hit

bp = Blueprint("api", __name__, url_prefix="/api/v1")
hooks.install(bp)

API_ARGS = ("q", "region", "org", "sector", "kind", "est", "pol", "status", "sort", "page")


@bp.route("/openapi.json")
def openapi() -> Response:
    """The OpenAPI 3.1 description of this API (public: it holds no personal data)."""
    return current_app.response_class(
        current_app.json.dumps(document(), ensure_ascii=False), mimetype="application/json"
    )


@bp.route("/docs")
def reference() -> str:
    """A readable reference of the API: Swagger UI from static/vendor, no CDN."""
    return render_template("api/reference.html")


def _person(hit: Hit) -> dict[str, Any]:
    p = hit.person
    return {
        "id": p.id,
        "name": p.name,
        "name_pinyin": p.name_pinyin,
        "context": hit.context,
        "current_positions": [respond.position(x) for x in hit.current],
        "former_positions": [respond.position(x) for x in hit.former],
        "contacts": hit.contacts,
    }


@bp.route("/people")
@spec.validate(query=PeopleQuery, resp=responses(PeopleSearch, 400), tags=["people"])
def people_search() -> Response:
    """Search people: every filter and facet of the search page, with its privacy rules."""
    args = {k: v for k, v in request.args.items() if k in API_ARGS}
    params = service.parse(args)
    page = service.search_people(
        current_user, params, per_page=current_app.config.get("PAGE_SIZE", 20)
    )
    return respond.ok(
        {
            "query": params.q,
            "page": params.page,
            "pages": page.pages,
            "total": page.total or 0,
            "hint": page.hint or None,
            "facets": page.facets,
            "results": [_person(h) for h in page.hits],
            "next": respond.next_link(page.has_next, params.page),
        }
    )


def _visible_positions(person: Any) -> tuple[list[Any], list[Any]]:
    seen = [p for p in person.positions if can_see_position(current_user, p)]
    current = [p for p in seen if p.end_date is None]
    former = [p for p in seen if p.end_date is not None]
    return current, former


@bp.route("/people/<id:person_id>")
@spec.validate(resp=responses(PersonOut, 404), tags=["people"])
def person(person_id: int) -> Response:
    """One person: the profile, the contact fields the caller may see, positions."""
    p = people.get_profile(person_id, current_user)
    current, former = _visible_positions(p)
    contacts = ContactPolicy(current_user, [p]).visible_contacts(p)
    return respond.ok(
        {
            "id": p.id,
            "name": p.name,
            "name_pinyin": p.name_pinyin,
            "gender": respond.enum_value(p.gender),
            "political_status": respond.enum_value(p.political_status),
            "cadre_kind": respond.enum_value(p.cadre_kind),
            "establishment": respond.enum_value(p.establishment),
            "membership_org": respond.org_ref(p.membership_org) if p.membership_org else None,
            "bio": p.bio,
            "contacts": contacts,
            "current_positions": [respond.position(x) for x in current],
            "former_positions": [respond.position(x) for x in former],
        }
    )


@bp.route("/people/<id:person_id>/positions")
@spec.validate(resp=responses(PositionList, 404), tags=["people"])
def positions(person_id: int) -> Response:
    """A person's positions the caller may see, current first."""
    p = people.get_profile(person_id, current_user)
    current, former = _visible_positions(p)
    return respond.ok({"items": [respond.position(x) for x in [*current, *former]]})
