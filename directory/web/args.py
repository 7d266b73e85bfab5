"""Ids and page numbers from URLs, query strings and forms, answering 404/400.

The parsing itself is directory/core/numbers.py (services use it too); this module turns
its "no number" into the HTTP answer and provides the `<id:...>` URL converter.
"""

from __future__ import annotations

from typing import Any

from flask import abort, request
from werkzeug.routing import BaseConverter, ValidationError

from directory.core.errors import DomainError
from directory.core.numbers import MAX_PAGE, page_error, parse_id, parse_int


def id_or_404(raw: object) -> int:
    """An id from text, or 404 (an id that cannot exist names nothing)."""
    value = parse_id(raw)
    if value is None:
        abort(404)
    return value


def optional_id(name: str) -> int | None:
    """The id in query argument `name`; None when absent or empty, 404 when malformed."""
    raw = request.args.get(name, "")
    return id_or_404(raw) if raw else None


def page_arg(name: str = "page", maximum: int = MAX_PAGE) -> int:
    """The page number in query argument `name` (1 when absent or empty); 400 when malformed."""
    raw = request.args.get(name, "")
    if not raw:
        return 1
    value = parse_int(raw, maximum)
    if value is None:
        raise DomainError(page_error(raw, maximum))
    return value


class IdConverter(BaseConverter):
    """`<id:name>` in a route: an ASCII decimal in 1..2**31-1; anything else does not match (404)."""

    regex = r"[0-9]{1,10}"
    part_isolating = True

    def to_python(self, value: str) -> int:
        parsed = parse_id(value)
        if parsed is None:
            raise ValidationError()
        return parsed

    def to_url(self, value: Any) -> str:
        return str(int(value))
