"""The unit of work (directory/core/uow.py): one commit or one rollback per service call.

Commits and rollbacks are observed through the session's own events, so the tests
hold however the test database isolates tests (a file per test or a transaction).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from directory.core.errors import Conflict
from directory.core.uow import current, required, transactional, unit_of_work
from directory.extensions import db
from directory.regions.models import Region
from tests.factories import make_region


@pytest.fixture
def tx(app: Flask) -> Iterator[list[str]]:
    """'commit' / 'rollback' as the session does them."""
    seen: list[str] = []

    def committed(_session: Session) -> None:
        seen.append("commit")

    def rolled_back(_session: Session, *_previous: object) -> None:
        seen.append("rollback")

    event.listen(db.session, "after_commit", committed)
    event.listen(db.session, "after_soft_rollback", rolled_back)
    yield seen
    event.remove(db.session, "after_commit", committed)
    event.remove(db.session, "after_soft_rollback", rolled_back)


def _codes() -> set[str]:
    return set(db.session.scalars(select(Region.code)))


def test_commits_once_at_the_end_of_the_block(tx: list[str]) -> None:
    with unit_of_work():
        make_region("51", "四川省")
        assert tx == []
    assert tx == ["commit"]
    assert _codes() == {"51"}
    assert current() is None


def test_an_exception_rolls_everything_back_and_propagates(tx: list[str]) -> None:
    with pytest.raises(Conflict), unit_of_work():
        make_region("51", "四川省")
        raise Conflict("no")
    assert tx == ["rollback"]
    assert _codes() == set()
    assert current() is None


def test_a_nested_unit_joins_the_outer_one(tx: list[str]) -> None:
    @transactional
    def inner() -> None:
        make_region("5113", "南充市")

    with unit_of_work() as outer:
        make_region("51", "四川省")
        inner()
        assert current() is outer
        assert tx == []  # the inner unit did not commit early
    assert tx == ["commit"]
    assert _codes() == {"51", "5113"}


def test_a_failed_inner_unit_undoes_the_outer_one_too(tx: list[str]) -> None:
    @transactional
    def inner() -> None:
        make_region("5113", "南充市")
        raise Conflict("refused")

    with pytest.raises(Conflict), unit_of_work():
        make_region("51", "四川省")
        inner()
    assert tx == ["rollback"]
    assert _codes() == set()


def test_a_swallowed_inner_failure_is_not_committed(tx: list[str]) -> None:
    with pytest.raises(RuntimeError, match="nested unit"), unit_of_work():
        make_region("51", "四川省")
        try:
            with unit_of_work():
                make_region("5113", "南充市")
                raise Conflict("refused")
        except Conflict:
            pass  # the outer block goes on as if nothing happened
    assert tx == ["rollback"]
    assert _codes() == set()
    assert current() is None


def test_hooks_run_once_after_commit_or_on_rollback(tx: list[str]) -> None:
    with unit_of_work():
        make_region("51", "四川省")
        with unit_of_work():
            required().after_commit(lambda: tx.append("mail"))
            required().on_rollback(lambda: tx.append("clean up"))
    assert tx == ["commit", "mail"]

    tx.clear()
    with pytest.raises(Conflict), unit_of_work() as uow:
        uow.after_commit(lambda: tx.append("mail"))
        uow.on_rollback(lambda: tx.append("clean up"))
        make_region("52", "贵州省")
        raise Conflict("no")
    assert tx == ["rollback", "clean up"]
    assert _codes() == {"51"}


def test_a_failing_after_commit_step_does_not_undo_the_commit(tx: list[str]) -> None:
    def broken() -> None:
        raise OSError("mail server down")

    with unit_of_work() as uow:
        make_region("51", "四川省")
        uow.after_commit(broken)
    assert tx == ["commit"]
    assert _codes() == {"51"}


def test_required_refuses_outside_a_unit(app: Flask) -> None:
    with pytest.raises(RuntimeError, match="inside a unit of work"):
        required()
