"""SQL helpers shared by every feature: LIKE patterns with user text escaped."""

from __future__ import annotations

from collections.abc import Callable
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


def include_object_for(dialect: str) -> Callable[..., bool]:
    """Alembic's `include_object` for one database: skips schema items made only elsewhere.

    An index declared with `.ddl_if(dialect="postgresql")` exists only there; autogenerate
    and `compare_metadata` ignore `ddl_if`, so without this SQLite would report it missing.
    """

    def include(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
        ddl_if = getattr(obj, "_ddl_if", None)
        if ddl_if is None or ddl_if.dialect is None:
            return True
        wanted = ddl_if.dialect
        return dialect == wanted if isinstance(wanted, str) else dialect in wanted

    return include
