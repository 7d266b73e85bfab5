"""The PostgreSQL backend: for deployments with several app servers (no shared files).

Storage (docs/SEARCH.md "Backends"): every exact key of a document (name tokens,
organisation and bio words, pinyin prefixes and forms, filter values) is one element of
`search_document.terms`, marked by field (`n|`, `o|`, `p|`, `b|`, `x|`, `y|`, `f|`),
under one GIN index: the posting list of a key is one bitmap index scan.

Every write sets `search_version.version` to its transaction's id, in its transaction;
searching (`pg_bits`) evaluates the query over each process's bitsets of the table at
one version, brought up to date by that version.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Generator, Iterable, Iterator
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import text as sql
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from directory.core.text import segment
from directory.extensions import db
from directory.search.documents import DOC_TYPES, Doc
from directory.search.pg_bits import (
    LEVELS,
    MAX_PREFIX,
    REGION_FIELDS,
    SET_FIELDS,
    TableBits,
    next_history,
    refresh,
)
from directory.search.pg_staged import DOC as _DOC
from directory.search.pg_staged import StagedTable
from directory.search.query import Query
from directory.search.results import Result

log = logging.getLogger(__name__)


_UPSERT = sql(
    f"""INSERT INTO {_DOC} (doc_type, key, terms, sort, fv_id, rl2_id, rl4_id, rl6_id,
        rl9_id, rl12_id, digest)
    VALUES (:doc_type, :key, :terms, :sort, :fv_id, :rl2_id, :rl4_id, :rl6_id, :rl9_id,
        :rl12_id, :digest)
    ON CONFLICT (doc_type, key) DO UPDATE SET terms = EXCLUDED.terms, sort = EXCLUDED.sort,
        fv_id = EXCLUDED.fv_id, rl2_id = EXCLUDED.rl2_id, rl4_id = EXCLUDED.rl4_id,
        rl6_id = EXCLUDED.rl6_id, rl9_id = EXCLUDED.rl9_id, rl12_id = EXCLUDED.rl12_id,
        digest = EXCLUDED.digest, pad = EXCLUDED.pad"""
)
# The columns a rebuild copies in (`COPY`, into a table holding no row of the type).
_COLUMNS = (
    *("doc_type", "key", "terms", "sort", "fv_id"),
    *("rl2_id", "rl4_id", "rl6_id", "rl9_id", "rl12_id", "digest"),
)
# Binary: the server does not parse every array (and psycopg formats them faster).
_COPY_TYPES = ("varchar", "int4", "text[]", "text", *("int4",) * 6, "varchar")
# A rebuild loads into a table of its own and swaps it in at commit (`pg_staged.StagedTable`) unless it
# would carry more rows of other document types than the type itself holds (and more
# than this): then it deletes and copies in place.
SWAP_CARRY = 50_000
_COUNTS = sql(
    f"SELECT count(*) FILTER (WHERE doc_type = :t), count(*) FILTER (WHERE doc_type <> :t) "
    f"FROM {_DOC}"
)
# The ids of value sets, added when new (the SELECT sees the rows that existed before the
# statement, the INSERT returns those it added).
_SETS = sql(
    """WITH v AS (SELECT * FROM unnest(CAST(:kinds AS smallint[]), CAST(:values AS text[]))
        AS v(kind, value)),
    added AS (INSERT INTO search_set (kind, value) SELECT kind, value FROM v
        ON CONFLICT DO NOTHING RETURNING id, kind, value)
    SELECT id, kind, value FROM added
    UNION ALL SELECT s.id, s.kind, s.value FROM search_set s
        JOIN v ON s.kind = v.kind AND s.value = v.value COLLATE "C"
    """
)
# The writing transaction's id (never reused) becomes its document type's version, and
# its `order_version` too when the write may change the rank order (a document added,
# removed or re-sorted; a rebuild): a process whose rank order was read at that order
# version keeps it (`pg_bits.refresh`). A write that removes and re-sorts no document
# adds the version it replaced and the keys it wrote to `history` (`pg_bits.next_history`);
# one that may starts it again. The row stays locked until the writer commits.
_TXID = "CAST(CAST(pg_current_xact_id() AS text) AS bigint)"
_LAST = sql(f"SELECT version, history, {_TXID} FROM search_version WHERE doc_type = :t FOR UPDATE")
_BUMP = sql(
    "INSERT INTO search_version (doc_type, version, order_version, history) "
    f"VALUES (:t, {_TXID}, {_TXID}, :history) ON CONFLICT (doc_type) DO UPDATE SET "
    "version = EXCLUDED.version, history = EXCLUDED.history, order_version = CASE "
    "WHEN CAST(:moves AS boolean) THEN EXCLUDED.order_version ELSE search_version.order_version END"
)
# The stored sort of documents about to be written (does the write move any?).
_SORTS = sql(f"SELECT key, sort FROM {_DOC} WHERE doc_type = :t AND key = ANY(:keys)")
_FORMS = sql(
    "INSERT INTO search_form (doc_type, form) SELECT :t, unnest(CAST(:forms AS text[])) "
    "ON CONFLICT DO NOTHING"
)


def edge_ngrams(forms: Iterable[str]) -> list[str]:
    """Prefixes (up to MAX_PREFIX letters) of the pinyin forms: a short prefix is one key."""
    out = {f[:n] for f in forms for n in range(1, min(len(f), MAX_PREFIX) + 1)}
    return sorted(out)


def _terms(doc: Doc) -> list[str]:
    keys = [f"n|{t}" for t in doc.names]
    for mark, raw in (("o", doc.org_text), ("p", doc.org_past), ("b", doc.body)):
        keys += [f"{mark}|{t}" for t in segment(raw)]
    keys += [f"x|{p}" for p in edge_ngrams(doc.pinyin)]
    keys += [f"y|{f}" for f in doc.pinyin]
    keys += [f"f|{k}:{v}" for k, values in doc.filters.items() for v in values]
    return list(dict.fromkeys(keys))


def _row(doc_type: str, doc: Doc) -> dict[str, Any]:
    """The document's row, its value sets as text (`fv`, `rl<level>`; `_write` makes them
    ids)."""
    dt = DOC_TYPES.get(doc_type)
    facets = (*(dt.facets if dt is not None else ()), *SET_FIELDS)
    row: dict[str, Any] = {
        "doc_type": doc_type,
        "key": doc.key,
        "terms": _terms(doc),
        "sort": doc.sort or str(doc.key),
        "fv": " ".join(sorted(f"{k}:{v}" for k in facets for v in doc.filters.get(k, ()))),
        "digest": doc.digest,
    }
    for level in LEVELS:
        codes = [
            f"{name}:{code}"
            for name in REGION_FIELDS
            for code in doc.filters.get(name, ())
            if len(code) == level
        ]
        row[f"rl{level}"] = " ".join(codes) or None
    return row


class _Batch:
    """A batch of documents as `search_document` rows (value sets as text) and the
    batch's pinyin forms longer than MAX_PREFIX (pure Python: built in any thread)."""

    def __init__(self, doc_type: str, docs: list[Doc]) -> None:
        self.doc_type = doc_type
        self.rows = [_row(doc_type, d) for d in docs]
        self.forms = sorted({f for d in docs for f in d.pinyin if len(f) > MAX_PREFIX})


_T = TypeVar("_T")


def _ahead(items: Iterator[_T], depth: int) -> Generator[_T, None, None]:
    """`items`, taken from them by a thread of its own up to `depth` ahead of the caller.

    The thread runs in the caller's app context. Its exception is raised in the caller;
    when the caller stops early (closes this generator), the thread stops at its next
    item, and this generator returns once it has.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    handoff: queue.Queue[tuple[bool, Any]] = queue.Queue(depth)
    stop = threading.Event()

    def put(entry: tuple[bool, Any]) -> bool:
        while not stop.is_set():
            try:
                handoff.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            with app.app_context():
                for item in items:
                    if not put((True, item)):
                        return
            put((False, None))
        except BaseException as exc:  # handed to the caller
            put((False, exc))

    thread = threading.Thread(target=produce, name="search-rebuild-ahead", daemon=True)
    thread.start()
    try:
        while True:
            more, value = handoff.get()
            if not more:
                if value is not None:
                    raise value
                return
            yield value
    finally:
        stop.set()
        thread.join()


def _bump(
    conn: Session | Connection, doc_type: str, keys: set[int] | None = None, added: bool = False
) -> None:
    """Make this transaction's id the type's version. `keys`: the documents of a write
    that removed and re-sorted none (None: one that may have, a rebuild, a clear);
    `added`: some of them are new (the rank order changes, the history goes on)."""
    history = None
    if keys is not None and (row := conn.execute(_LAST, {"t": doc_type}).one_or_none()):
        version, text, txid = row
        history = next_history(text, None if version == txid else version, keys)
    conn.execute(_BUMP, {"t": doc_type, "history": history, "moves": keys is None or added})


class PostgresBackend:
    """Search and index in PostgreSQL tables."""

    name = "postgres"

    def __init__(self) -> None:
        self._bits: dict[str, TableBits] = {}  # per document type, at one version
        self._mutex = threading.Lock()

    @contextlib.contextmanager
    def lock(self, doc_type: str, timeout: float) -> Iterator[bool]:
        """A session advisory lock per document type, polled until `timeout`."""
        with db.engine.connect() as conn:
            deadline = time.monotonic() + timeout
            key = sql("SELECT hashtext(:k)")
            lock_id = conn.scalar(key, {"k": f"search:{doc_type}"})
            while not conn.scalar(sql("SELECT pg_try_advisory_lock(:i)"), {"i": lock_id}):
                if time.monotonic() >= deadline:
                    conn.rollback()
                    yield False
                    return
                time.sleep(0.02)
            conn.commit()
            try:
                yield True
            finally:
                conn.execute(sql("SELECT pg_advisory_unlock(:i)"), {"i": lock_id})
                conn.commit()

    # -- writing ---------------------------------------------------------
    def _write(self, doc_type: str, session: Session, docs: list[Doc]) -> None:
        self._store(session, _Batch(doc_type, docs))

    def _store(
        self,
        session: Session,
        batch: _Batch,
        copy_into: str | None = None,
        sets: Connection | None = None,
    ) -> None:
        """Write a batch's rows (their value sets as ids) and its long pinyin forms:
        upserted, or copied into the table `copy_into` (which holds no row of the batch's
        type). New value sets are added in `session`, or on `sets` (see `rebuild`)."""
        rows = batch.rows
        wanted = {(0, r["fv"]) for r in rows} | {
            (level, r[f"rl{level}"]) for r in rows for level in LEVELS if r[f"rl{level}"]
        }
        ids = self._set_ids(sets if sets is not None else session, wanted)
        for r in rows:
            r["fv_id"] = ids[(0, r.pop("fv"))]
            for level in LEVELS:
                value = r.pop(f"rl{level}")
                r[f"rl{level}_id"] = ids[(level, value)] if value else None
        if copy_into:
            # One statement per batch; psycopg waits for the server with the GIL released.
            driver = session.connection().connection.driver_connection
            statement = f"COPY {copy_into} ({', '.join(_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
            with driver.cursor() as cursor, cursor.copy(statement) as out:  # type: ignore[union-attr]
                out.set_types(_COPY_TYPES)
                for r in rows:
                    out.write_row([r[c] for c in _COLUMNS])
        else:
            session.execute(_UPSERT, rows)
        if batch.forms:
            session.execute(_FORMS, {"t": batch.doc_type, "forms": batch.forms})

    @staticmethod
    def _set_ids(
        session: Session | Connection, wanted: set[tuple[int, str]]
    ) -> dict[tuple[int, str], int]:
        """The ids of the value sets (kind, value), added to `search_set` when new.

        A set another transaction adds at the same time is not seen by the statement
        that waited for it (its snapshot is older): read again, in a new statement.
        """
        ids: dict[tuple[int, str], int] = {}
        for _attempt in range(5):
            missing = sorted(wanted - ids.keys())
            if not missing:
                return ids
            rows = session.execute(
                _SETS, {"kinds": [k for k, _ in missing], "values": [v for _, v in missing]}
            )
            ids.update({(kind, value): i for i, kind, value in rows})
        raise RuntimeError(f"search_set: no id for {sorted(wanted - ids.keys())[:3]}")

    def apply(self, doc_type: str, session: Session, upserts: list[Doc], deletes: set[int]) -> None:
        """Upsert and delete in the caller's transaction (committed with the outbox rows)."""
        if deletes or upserts:
            added, resorted = self._moves(doc_type, session, upserts)
            if deletes or resorted:
                _bump(session, doc_type)
            else:
                _bump(session, doc_type, {d.key for d in upserts}, added)
        if deletes:
            session.execute(
                sql(f"DELETE FROM {_DOC} WHERE doc_type = :t AND key = ANY(:keys)"),
                {"t": doc_type, "keys": sorted(deletes)},
            )
        if upserts:
            self._write(doc_type, session, upserts)

    @staticmethod
    def _moves(doc_type: str, session: Session, upserts: list[Doc]) -> tuple[bool, bool]:
        """Whether writing `upserts` adds a document, and whether it changes the sort (the
        rank) of a stored one.

        Writers of a type hold its advisory lock until they commit (`lock`, sync.drain),
        so the stored sorts read here are the latest."""
        if not upserts:
            return False, False
        rows = session.execute(_SORTS, {"t": doc_type, "keys": [d.key for d in upserts]})
        stored: dict[int, str] = {key: sort for key, sort in rows}
        sorts = {d.key: d.sort or str(d.key) for d in upserts}
        added = any(key not in stored for key in sorts)
        resorted = any(stored.get(key, sort) != sort for key, sort in sorts.items())
        return added, resorted

    def rebuild(self, doc_type: str, session: Session, batches: Iterable[list[Doc]]) -> int:
        """Replace all documents in one transaction: readers see the old set until commit.

        The new rows go into a table of their own (`pg_staged.StagedTable`), which takes the place of
        `search_document` when `session` commits, carrying the other document types'
        rows; unless the other types hold more rows than this one (and more than
        SWAP_CARRY): then the type's rows are deleted and the new ones copied in place.
        `search_form` is replaced in place. The rows of the next batch are built in a
        thread of their own (`_ahead`: loading and segmenting, Python) while this one's
        are copied in (one binary `COPY` per batch; psycopg releases the GIL while it
        waits): `batches` must not use `session` (sync.reindex reads them in a session of
        its own).
        """
        _bump(session, doc_type)
        session.execute(sql("DELETE FROM search_form WHERE doc_type = :t"), {"t": doc_type})
        own, other = session.execute(_COUNTS, {"t": doc_type}).one()
        staged = None
        if other <= max(own, SWAP_CARRY):
            memory = current_app.config.get("SEARCH_REBUILD_MEMORY")
            staged = StagedTable(session, doc_type, memory)
        else:
            session.execute(sql(f"DELETE FROM {_DOC} WHERE doc_type = :t"), {"t": doc_type})
        target = staged.table if staged is not None else _DOC
        count = 0
        built = (_Batch(doc_type, docs) for docs in batches if docs)
        # New value sets are committed at once, on a connection of their own: a writer of
        # another type that needs one then never waits for this long transaction, which
        # at its commit (the swap) waits for that writer's hold on `search_document`: a
        # deadlock. A set this rebuild added and then rolled back is an unused row.
        with (
            db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as sets,
            contextlib.closing(_ahead(built, depth=2)) as ready,
        ):
            for batch in ready:
                # The target holds no row of the type: copied in, no conflict to look for.
                self._store(session, batch, copy_into=target, sets=sets)
                count += len(batch.rows)
        if staged is not None:
            staged.finish(session)
        return count

    def optimise(self) -> None:
        """After a rebuild commits: reclaim the replaced rows, merge the GIN pending list,
        refresh statistics and the visibility map (VACUUM cannot run in a transaction)."""
        with db.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            for table in (_DOC, "search_form"):
                conn.execute(sql(f"VACUUM (ANALYZE) {table}"))

    def clear(self, doc_type: str) -> None:
        """Drop every document of a type."""
        with db.engine.begin() as conn:
            _bump(conn, doc_type)
            conn.execute(sql(f"DELETE FROM {_DOC} WHERE doc_type = :t"), {"t": doc_type})
            conn.execute(sql("DELETE FROM search_form WHERE doc_type = :t"), {"t": doc_type})

    def digests(self, doc_type: str, session: Session) -> dict[int, str]:
        """Key → digest of every stored document."""
        rows = session.execute(
            sql(f"SELECT key, digest FROM {_DOC} WHERE doc_type = :t"), {"t": doc_type}
        )
        return {k: d for k, d in rows}

    # -- reading ---------------------------------------------------------
    def bits(self, doc_type: str) -> TableBits:
        """This process's bitsets of `doc_type`, brought to the table's version."""
        with self._mutex:
            held = self._bits.get(doc_type)
        bits = refresh(doc_type, held)
        if bits is not held:
            with self._mutex:
                self._bits[doc_type] = bits
        return bits

    def search(self, doc_type: str, q: Query) -> Result:
        """Keys of the page, the total and the facet counts, from this process's bitsets."""
        bits = self.bits(doc_type)
        bits.prefetch(q)
        keys, total, facets = bits.search(q)
        return Result(keys=keys, total=total, facets=facets)
