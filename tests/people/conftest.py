"""Extra personas and helpers for the people area."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event

from directory.extensions import db
from directory.people.models import Person
from tests.factories import World, make_person

WECHAT = "zt_wechat01"


@pytest.fixture
def target(cadre: Person) -> Person:
    """The cadre with all three contact fields filled in."""
    cadre.wechat = WECHAT
    db.session.commit()
    return cadre


@pytest.fixture
def branch_admin(world: World) -> Person:
    """Admin of the branch that holds the cadre's membership (not of anything above it)."""
    return make_person(
        name="陈静",
        email="chenjing@example.org",
        membership_org_id=world.street_org.id,
        admin_of=[world.branch],
    )


@pytest.fixture
def colleague(world: World) -> Person:
    """Holds a current position in the cadre's branch."""
    return make_person(
        name="刘洋",
        email="liuyang@example.org",
        membership_org_id=world.street_org.id,
        positions=[(world.branch, "委员", date(2022, 5, 1), None)],
    )


@pytest.fixture
def former_colleague(world: World) -> Person:
    """Once held a position in the cadre's branch; now a member in Chengdu."""
    return make_person(
        name="孙悦",
        email="sunyue@example.org",
        membership_org_id=world.chengdu_org.id,
        positions=[(world.branch, "干事", date(2015, 1, 1), date(2018, 6, 30))],
    )


class QueryCounter:
    """Counts SQL statements sent to the database."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def count_queries() -> Iterator[QueryCounter]:
    """Count statements executed on the app's engine inside the block."""
    counter = QueryCounter()
    event.listen(db.engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(db.engine, "before_cursor_execute", counter)
