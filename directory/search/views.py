"""The directory page: live search with filters, facets and paging (htmx, or plain GET)."""

from __future__ import annotations

from flask import Blueprint, current_app, request
from flask_login import current_user, login_required

from directory.search import service
from directory.search.service import ENUM_FILTERS, BadSearch
from directory.web.rendering import render

bp = Blueprint("search", __name__, url_prefix="/search")

FACET_ENUMS = {**ENUM_FILTERS}


@bp.route("/")
@login_required
def index() -> tuple[str, int] | str:
    """Search people; an htmx request gets only the results block."""
    try:
        params = service.parse(request.args)
        page = service.search_people(
            current_user, params, per_page=current_app.config.get("PAGE_SIZE", 20)
        )
    except BadSearch as err:
        params = service.Params(q=(request.args.get("q") or "")[:500])
        return render(
            "search/index.html", "results", params=params, page=None, error=err.message
        ), 400
    return render("search/index.html", "results", params=params, page=page, error=None)


@bp.route("/colleagues/<int:person_id>")
@login_required
def colleagues(person_id: int) -> str:
    """Former colleagues of a person (people you may know, on one's own profile).

    Its own request, loaded by the profile page with htmx (a link without JavaScript),
    so the profile keeps its few queries.
    """
    from directory.people.services import get_profile
    from directory.search.colleagues import former_colleagues

    person = get_profile(person_id)
    found = former_colleagues(person, limit=6)
    return render("search/colleagues.html", "colleagues", person=person, colleagues=found)
