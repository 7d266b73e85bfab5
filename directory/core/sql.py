"""SQL helpers shared by every feature: LIKE patterns with user text escaped."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement

ESCAPE = "\\"


def escape_like(text: str) -> str:
    """`text` with LIKE's wildcards (% and _) and the escape character escaped."""
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def contains(column: Any, text: str) -> ColumnElement[bool]:
    """`column LIKE '%text%'`, the user's text taken literally."""
    return column.like(f"%{escape_like(text)}%", escape=ESCAPE)


def startswith(column: Any, text: str) -> ColumnElement[bool]:
    """`column LIKE 'text%'`, the user's text taken literally."""
    return column.like(f"{escape_like(text)}%", escape=ESCAPE)
