"""JSON API for other systems: the directory search, signed-in only, same permissions."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from directory.search import service
from directory.search.service import BadSearch, Hit

bp = Blueprint("api", __name__, url_prefix="/api/v1")

API_ARGS = ("q", "region", "org", "sector", "kind", "est", "pol", "status", "sort", "page")


def _position(pos: Any) -> dict[str, Any]:
    return {
        "organisation": {"id": pos.organisation_id, "name": pos.organisation.name},
        "region": pos.organisation.region.code,
        "title": pos.title,
        "start": pos.start_date.isoformat(),
        "end": pos.end_date.isoformat() if pos.end_date else None,
    }


def _person(hit: Hit) -> dict[str, Any]:
    p = hit.person
    return {
        "id": p.id,
        "name": p.name,
        "name_pinyin": p.name_pinyin,
        "context": hit.context,  # region path and organisation: tells same names apart
        "current_positions": [_position(x) for x in hit.current],
        "former_positions": [_position(x) for x in hit.former],
        "contacts": hit.contacts,
    }


@bp.route("/people")
def people() -> tuple[Response, int] | Response:
    """`GET /api/v1/people?q=&region=&org=&page=`: a page of people as JSON."""
    if not current_user.is_authenticated:
        return jsonify(error=_("请先登录。")), 401
    args = {k: v for k, v in request.args.items() if k in API_ARGS}
    try:
        params = service.parse(args)
        page = service.search_people(
            current_user, params, per_page=current_app.config.get("PAGE_SIZE", 20)
        )
    except BadSearch as err:
        return jsonify(error=err.message), 400
    return jsonify(
        query=params.q,
        page=params.page,
        pages=page.pages,
        total=page.total,
        hint=page.hint or None,
        facets=page.facets,
        results=[_person(h) for h in page.hits],
    )
