"""Answers of the JSON API: ETags on reads, `next` links, plain JSON values."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from flask import Response, current_app, request, url_for
from sqlalchemy import select

from directory.api.schemas import OrgRef, PositionOut
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.people.models import Position
from directory.regions.models import Region


def ok(data: dict[str, Any], status: int = 200) -> Response:
    """A JSON answer; a read carries an ETag and answers 304 to a matching If-None-Match."""
    response = current_app.response_class(
        current_app.json.dumps(data, ensure_ascii=False), status=status, mimetype="application/json"
    )
    if request.method == "GET" and status == 200:
        response.add_etag()
        response.make_conditional(request)
    return response


def next_link(has_next: bool, page: int) -> str | None:
    """The URL of the next page of this list (the same arguments, page + 1)."""
    if not has_next:
        return None
    values: dict[str, Any] = {k: v for k, v in request.args.items() if k != "page"}
    values.update(request.view_args or {})
    values["page"] = page + 1
    assert request.endpoint is not None
    return url_for(request.endpoint, **values)


def iso(value: datetime | date | None) -> str | None:
    """A stored time (naive UTC) as RFC 3339; a date as YYYY-MM-DD."""
    if value is None:
        return None
    if isinstance(value, datetime):
        text = value.replace(microsecond=0).isoformat()
        return text + "Z" if value.tzinfo is None else text
    return value.isoformat()


def org_ref(org: Organisation) -> dict[str, Any]:
    return OrgRef(id=org.id, name=org.name, region=org.region.code).model_dump()


def position(pos: Position) -> dict[str, Any]:
    return PositionOut(
        id=pos.id,
        organisation=OrgRef(
            id=pos.organisation_id, name=pos.organisation.name, region=pos.organisation.region.code
        ),
        region=pos.organisation.region.code,
        title=pos.title,
        start=pos.start_date,
        end=pos.end_date,
    ).model_dump(mode="json")


def enum_value(value: Any) -> str | None:
    return None if value is None else str(getattr(value, "value", value))


def preload_regions(orgs: Iterable[Organisation | None]) -> list[Region]:
    """Load the regions of these organisations in one query, so that `org_ref` and
    `position` over a long list do not fetch them one by one (a many-to-one lazy load
    finds them in the session's identity map). The identity map holds weak references:
    keep the returned list until the answer is built."""
    ids = {o.region_id for o in orgs if o is not None}
    if not ids:
        return []
    return list(db.session.scalars(select(Region).where(Region.id.in_(ids))))
