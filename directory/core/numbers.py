"""The one parser for numbers typed or sent by users: ids, page numbers, references.

Only plain ASCII decimals are numbers here: `str.isdigit` and `int()` also accept
Unicode digits ("²", "٣") and `int()` signs and spaces, and an id beyond the database's
32-bit column makes the query fail (a 500) instead of finding nothing (a 404).
The request-bound forms (404/400 answers, the `<id:...>` URL converter) are in
directory/web/args.py.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

MAX_ID = 2**31 - 1
MAX_PAGE = 10_000
_DECIMAL = re.compile(r"[0-9]{1,10}")  # [0-9], not \d: only ASCII digits
_REFERENCE = re.compile(r"#([0-9]{1,12})\s*$")


def parse_int(raw: object, maximum: int, minimum: int = 1) -> int | None:
    """`raw` as an int in minimum..maximum if it is a plain ASCII decimal, else None."""
    if not isinstance(raw, str) or not _DECIMAL.fullmatch(raw):
        return None
    value = int(raw)
    return value if minimum <= value <= maximum else None


REGION_CODE_LENGTHS = (2, 4, 6, 9, 12)
_DIGITS = re.compile(r"[0-9]+")


def is_region_code(raw: object) -> bool:
    """True for an administrative division code: 2, 4, 6, 9 or 12 ASCII digits."""
    return isinstance(raw, str) and len(raw) in REGION_CODE_LENGTHS and bool(_DIGITS.fullmatch(raw))


def reference_id(text: str) -> int | None:
    """The id in an "name #id" reference or a bare id, through the one parser; else None."""
    m = _REFERENCE.search(text)
    return parse_id(m.group(1) if m else text.strip())


def parse_id(raw: object) -> int | None:
    """An id (1..2**31-1) from text, or None."""
    return parse_int(raw, MAX_ID)


def page_error(raw: str, maximum: int = MAX_PAGE) -> str:
    """The message for a malformed page number."""
    return _("页码无效：%(value)s（应为 1 到 %(max)d 之间的整数）。", value=raw[:20], max=maximum)
