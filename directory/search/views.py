"""The directory page: live search with filters, facets and paging (htmx, or plain GET)."""

from __future__ import annotations

from flask import Blueprint, current_app, request
from flask_login import current_user, login_required

from directory.people.permissions import is_any_org_admin
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
    return render(
        "search/index.html",
        "results",
        params=params,
        page=page,
        error=None,
        can_export=is_any_org_admin(current_user),
    )
