"""Keeping the index in step with the database: drain the outbox, reindex, check.

Whoever gets the backend's writer lock drains; a busy lock (another worker is
draining) leaves the rows for the next drain. A crash between indexing and
deleting the outbox rows only means the same documents are indexed twice.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session, scoped_session

from directory.extensions import db
from directory.search.backends import Backend, get_backend
from directory.search.documents import DOC_TYPES, Doc
from directory.search.models import SearchOutbox

log = logging.getLogger(__name__)
BATCH = 2000


def _session() -> Session:
    # A plain Session: its commits must not trigger the outbox listeners again.
    return Session(db.engine, expire_on_commit=False)


def pending(session: Session | scoped_session[Any] | None = None) -> bool:
    """True when the outbox holds work (one indexed query).

    With a session, on its connection (a search about to run on it saves a pool check-out,
    its ping and its reset); it also sees the session's own flushed, uncommitted rows,
    which only makes a drain run that finds nothing to do.
    """
    query = select(exists().where(SearchOutbox.id > 0))
    if session is not None:
        return bool(session.scalar(query))
    with db.engine.connect() as conn:
        return bool(conn.scalar(query))


def drain(timeout: float | None = None, backend: Backend | None = None) -> int:
    """Index what the outbox asks for; returns the number of outbox rows handled."""
    backend = backend or get_backend()
    if timeout is None:
        timeout = current_app.config.get("SEARCH_LOCK_TIMEOUT", 2.0)
    handled = 0
    for doc_type in DOC_TYPES:
        with backend.lock(doc_type, timeout) as ok:
            if not ok:
                log.info("search index %s busy; outbox left for the next drain", doc_type)
                continue
            handled += _drain_locked(backend, doc_type)
    return handled


def _drain_locked(backend: Backend, doc_type: str) -> int:
    dt = DOC_TYPES[doc_type]
    handled = 0
    with _session() as session:
        while True:
            rows = session.execute(
                select(SearchOutbox.id, SearchOutbox.source, SearchOutbox.key)
                .where(SearchOutbox.doc_type == doc_type)
                .order_by(SearchOutbox.id)
                .limit(BATCH * 5)
            ).all()
            if not rows:
                return handled
            by_source: dict[str, set[int]] = defaultdict(set)
            for row in rows:
                by_source[row.source].add(row.key)
            keys: set[int] = set()
            for source, source_keys in by_source.items():
                keys |= dt.expand(session, source, source_keys)
            for chunk in _chunks(sorted(keys), BATCH):
                docs = dt.load(session, set(chunk))
                backend.apply(doc_type, session, list(docs.values()), set(chunk) - set(docs))
            session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_([r.id for r in rows])))
            session.commit()
            handled += len(rows)


def drain_quietly() -> None:
    """Drain after a commit; an indexing failure is logged, never raised into the request."""
    try:
        drain()
    except Exception:
        log.exception("search outbox drain failed; rows kept for the next drain")


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _all_docs(session: Session, doc_type: str) -> Iterator[list[Doc]]:
    dt = DOC_TYPES[doc_type]
    for keys in dt.all_keys(session, BATCH):
        yield list(dt.load(session, set(keys)).values())


def reindex(backend: Backend | None = None) -> dict[str, int]:
    """Build every index afresh beside the live one and swap it in; then drain."""
    backend = backend or get_backend()
    counts: dict[str, int] = {}
    for doc_type in DOC_TYPES:
        with backend.lock(doc_type, timeout=60) as ok:
            if not ok:
                raise TimeoutError(f"search index {doc_type} stays locked")
            # The documents are read in a session of their own: the backend may read them
            # in another thread while it writes (pg_backend.PostgresBackend.rebuild).
            with _session() as session, _session() as reading:
                docs = _all_docs(reading, doc_type)
                counts[doc_type] = backend.rebuild(doc_type, session, docs)
                session.commit()
            _drain_locked(backend, doc_type)
    backend.optimise()
    return counts


@dataclass
class Drift:
    """Differences between the database and the index for one document type."""

    missing: set[int]
    extra: set[int]
    stale: set[int]

    @property
    def total(self) -> int:
        return len(self.missing) + len(self.extra) + len(self.stale)


def check(repair: bool = True, backend: Backend | None = None) -> dict[str, Drift]:
    """Compare every document with the index; with `repair`, queue and drain the fixes."""
    backend = backend or get_backend()
    report: dict[str, Drift] = {}
    with _session() as session:
        for doc_type, dt in DOC_TYPES.items():
            indexed = backend.digests(doc_type, session)
            drift = Drift(set(), set(), set())
            seen: set[int] = set()
            for keys in dt.all_keys(session, BATCH):
                for key, doc in dt.load(session, set(keys)).items():
                    seen.add(key)
                    if key not in indexed:
                        drift.missing.add(key)
                    elif indexed[key] != doc.digest:
                        drift.stale.add(key)
            drift.extra = set(indexed) - seen
            report[doc_type] = drift
            if repair and drift.total:
                todo = sorted(drift.missing | drift.extra | drift.stale)
                session.execute(
                    SearchOutbox.__table__.insert(),
                    [{"doc_type": doc_type, "source": doc_type, "key": k} for k in todo],
                )
        session.commit()
    if repair:
        drain(timeout=30, backend=backend)
    return report


def drain_on_start(app: Flask) -> None:
    """Repair after a crash: drain what earlier processes left (tables may not exist yet)."""
    with app.app_context():
        try:
            if pending():
                drain()
        except Exception as exc:  # a fresh database without tables, or no index yet
            log.info("search start-up drain skipped: %s", exc.__class__.__name__)
