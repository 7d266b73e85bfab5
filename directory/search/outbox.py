"""The transactional outbox: rows saying "these documents must be re-indexed".

Rows are written in `after_flush`, inside the transaction that changed the data, so
a rolled-back change never reaches the index and a committed one always leaves a
trace. After commit the outbox is drained (see `sync.drain`).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, has_app_context
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, insert
from sqlalchemy.orm import Session

from directory.extensions import db
from directory.search.models import SearchOutbox


def _entries(session: Session) -> set[tuple[str, str, int]]:
    from directory.search.documents import DOC_TYPES

    entries: set[tuple[str, str, int]] = set()
    for state, objs in (
        ("new", session.new),
        ("dirty", session.dirty),
        ("deleted", session.deleted),
    ):
        for obj in objs:
            for doc_type in DOC_TYPES.values():
                for source, key in doc_type.watch(obj, state):
                    entries.add((doc_type.name, source, key))
    return entries


def _after_flush(session: Session, _context: Any) -> None:
    entries = _entries(session)
    if not entries:
        return
    session.connection().execute(
        insert(SearchOutbox.__table__),
        [{"doc_type": d, "source": s, "key": k} for d, s, k in sorted(entries)],
    )
    session.info["search_pending"] = True


def _after_commit(session: Session) -> None:
    if not session.info.pop("search_pending", False):
        return
    if not has_app_context() or not current_app.config.get("SEARCH_AUTO_DRAIN", True):
        return
    from directory.search import sync

    sync.drain_quietly()


def _after_rollback(session: Session) -> None:
    session.info.pop("search_pending", None)


def enqueue(session: Session, doc_type: str, source: str, keys: list[int]) -> None:
    """Queue re-indexing explicitly (bulk SQL updates that bypass the ORM); does not commit."""
    if keys:
        session.execute(
            insert(SearchOutbox.__table__),
            [{"doc_type": doc_type, "source": source, "key": k} for k in keys],
        )
        session.info["search_pending"] = True


def install_listeners() -> None:
    """Listen on Flask-SQLAlchemy sessions (idempotent); the drainer's own sessions are plain."""
    for name, fn in (
        ("after_flush", _after_flush),
        ("after_commit", _after_commit),
        ("after_rollback", _after_rollback),
    ):
        if not event.contains(FlaskSession, name, fn):
            event.listen(FlaskSession, name, fn)


def person_changed(_sender: object, *, person_id: int) -> None:
    """Receiver of `positions_changed`: re-index the person, also after a bulk UPDATE."""
    enqueue(db.session(), "person", "person", [person_id])
