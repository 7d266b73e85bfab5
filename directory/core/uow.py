"""The unit of work: the one place that commits or rolls back a service call.

Every service that changes data runs its work inside `unit_of_work()` (or is
decorated with `@transactional`). The outermost unit commits when its block ends
normally and rolls back when an exception leaves it; a unit opened inside another
one (a service calling a service) joins the outer unit and never commits early.

If an exception leaves an inner unit and the outer block swallows it, the outer
unit refuses to commit half a change: it rolls back and raises `RuntimeError`.

Side effects that must wait for the commit (e-mail) or undo themselves on failure
(stored files) are registered with `after_commit` / `on_rollback`; they run once,
at the end of the outermost unit. The search outbox drain needs nothing here: it
listens to the session's own `after_commit` event (directory/search/outbox.py).

Views never commit or roll back: they call services.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import ParamSpec, TypeVar

from flask_sqlalchemy.session import Session
from sqlalchemy.orm import scoped_session

from directory.extensions import db

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

_KEY = "unit_of_work"


class UnitOfWork:
    """State of one outermost unit, shared by the units nested in it."""

    def __init__(self) -> None:
        self.depth = 0
        self.failed = False
        self._after_commit: list[Callable[[], object]] = []
        self._on_rollback: list[Callable[[], object]] = []

    @property
    def session(self) -> scoped_session[Session]:
        """The session the unit commits (Flask-SQLAlchemy's)."""
        return db.session

    def after_commit(self, fn: Callable[[], object]) -> None:
        """Run `fn` once the outermost unit has committed (not at all on rollback)."""
        self._after_commit.append(fn)

    def on_rollback(self, fn: Callable[[], object]) -> None:
        """Run `fn` if the outermost unit rolls back (clean-up of work outside the database)."""
        self._on_rollback.append(fn)

    def _rollback(self) -> None:
        db.session.rollback()
        for fn in self._on_rollback:
            try:
                fn()
            except Exception:
                log.exception("rollback clean-up step failed")


def current() -> UnitOfWork | None:
    """The unit of work open on this session, if any."""
    return db.session.info.get(_KEY)


def required() -> UnitOfWork:
    """The open unit of work; for helpers that only make sense inside one."""
    uow = current()
    if uow is None:
        raise RuntimeError("this step must run inside a unit of work")
    return uow


@contextmanager
def unit_of_work() -> Iterator[UnitOfWork]:
    """Commit on success, roll back on any exception; nested units join the outer one."""
    info = db.session.info
    uow: UnitOfWork | None = info.get(_KEY)
    outermost = uow is None
    if uow is None:
        uow = info[_KEY] = UnitOfWork()
    uow.depth += 1
    try:
        yield uow
    except BaseException:
        if not outermost:
            uow.failed = True
            raise
        del info[_KEY]
        uow._rollback()
        raise
    finally:
        uow.depth -= 1
    if not outermost:
        return
    del info[_KEY]
    if uow.failed:
        uow._rollback()
        raise RuntimeError("a nested unit of work failed; its outer unit was rolled back")
    try:
        db.session.commit()
    except BaseException:
        uow._rollback()
        raise
    for fn in uow._after_commit:
        try:
            fn()
        except Exception:  # the change is committed: a side effect must not undo it
            log.exception("after-commit step failed")


def transactional(fn: Callable[P, T]) -> Callable[P, T]:
    """Decorator: run the whole service function in one unit of work."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        with unit_of_work():
            return fn(*args, **kwargs)

    return wrapper
