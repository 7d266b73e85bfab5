"""The one parser for ids and page numbers in URLs, query strings and forms.

Only plain ASCII decimals are numbers here: `str.isdigit` and `int()` also accept
Unicode digits ("²", "٣") and `int()` signs and spaces, and an id beyond the database's
32-bit column makes the query fail (a 500) instead of finding nothing (a 404).
"""

from __future__ import annotations

import re
from typing import Any

from flask import abort, request
from flask_babel import gettext as _
from werkzeug.routing import BaseConverter, ValidationError

from directory.core.errors import DomainError

MAX_ID = 2**31 - 1
MAX_PAGE = 10_000
_DECIMAL = re.compile(r"[0-9]{1,10}")  # [0-9], not \d: only ASCII digits


def parse_int(raw: object, maximum: int) -> int | None:
    """`raw` as an int in 1..maximum if it is a plain ASCII decimal, else None."""
    if not isinstance(raw, str) or not _DECIMAL.fullmatch(raw):
        return None
    value = int(raw)
    return value if 1 <= value <= maximum else None


def parse_id(raw: object) -> int | None:
    """An id (1..2**31-1) from text, or None."""
    return parse_int(raw, MAX_ID)


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


def page_error(raw: str, maximum: int = MAX_PAGE) -> str:
    """The message for a malformed page number."""
    return _("页码无效：%(value)s（应为 1 到 %(max)d 之间的整数）。", value=raw[:20], max=maximum)


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
