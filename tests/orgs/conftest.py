"""Helpers for the organisation tests: a query counter and htmx headers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from directory.extensions import db

HX = {"HX-Request": "true"}


class QueryCounter:
    """Counts the SQL statements sent while it is active."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def _on_execute(self, conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        self.statements.append(statement)

    @contextmanager
    def watch(self) -> Iterator[QueryCounter]:
        self.statements.clear()
        event.listen(db.engine, "before_cursor_execute", self._on_execute)
        try:
            yield self
        finally:
            event.remove(db.engine, "before_cursor_execute", self._on_execute)


@pytest.fixture
def queries(app) -> QueryCounter:  # type: ignore[no-untyped-def]
    return QueryCounter()
