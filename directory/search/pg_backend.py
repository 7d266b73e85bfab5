"""The PostgreSQL backend: for deployments with several app servers (no shared files).

Documents live in `search_document` (models.SearchDocument): segmented tokens in a weighted `tsvector`
(A names, B organisations, C bio) with a GIN index, pinyin forms in a text column
with a trigram index (prefix matches), filters in a `text[]` with a GIN index.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from directory.core.sql import escape_like
from directory.extensions import db
from directory.search.documents import Doc
from directory.search.query import And, Node, Prefix, Query, Term
from directory.search.results import Result, next_region_length
from directory.search.text import segment

WEIGHTS = {"names": "A", "org": "B", "body": "C", "orgp": "D"}
_UPSERT = sql(
    """INSERT INTO search_document (doc_type, key, tsv, pinyin, filters, sort, digest)
    VALUES (:doc_type, :key, CAST(:tsv AS tsvector), :pinyin, CAST(:filters AS text[]),
            :sort, :digest)
    ON CONFLICT (doc_type, key) DO UPDATE SET tsv = EXCLUDED.tsv, pinyin = EXCLUDED.pinyin,
        filters = EXCLUDED.filters, sort = EXCLUDED.sort, digest = EXCLUDED.digest"""
)


def _tsvector(doc: Doc) -> str:
    parts: list[str] = []
    pos = 1
    for name, tokens in (
        ("names", doc.names),
        ("org", segment(doc.org_text)),
        ("orgp", segment(doc.org_past)),
        ("body", segment(doc.body)),
    ):
        for token in dict.fromkeys(tokens):
            parts.append(f"'{token}':{min(pos, 16383)}{WEIGHTS[name]}")
            pos += 1
    return " ".join(parts)


def _row(doc_type: str, doc: Doc) -> dict[str, Any]:
    return {
        "doc_type": doc_type,
        "key": doc.key,
        "tsv": _tsvector(doc),
        "pinyin": " " + " ".join(doc.pinyin) + " ",
        "filters": [f"{k}:{v}" for k, values in doc.filters.items() for v in values],
        "sort": doc.sort or str(doc.key),
        "digest": doc.digest,
    }


class _Compiler:
    """Neutral tree → SQL condition with bound parameters; Term-only subtrees → one tsquery."""

    def __init__(self) -> None:
        self.params: dict[str, Any] = {}
        self.terms: list[str] = []
        self.prefixes: list[str] = []

    def param(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def tsq(self, node: Node) -> str | None:
        if isinstance(node, Term):
            lexeme = f"'{node.value}':{WEIGHTS.get(node.field, '')}".rstrip(":")
            self.terms.append(lexeme)
            return lexeme
        if isinstance(node, Prefix) or not node.items:
            return None
        parts = [self.tsq(n) for n in node.items]
        if any(p is None for p in parts):
            return None
        op = " & " if isinstance(node, And) else " | "
        return "(" + op.join(p for p in parts if p) + ")"

    def condition(self, node: Node) -> str:
        probe = _Compiler()
        if probe.tsq(node) is not None:
            return f"tsv @@ CAST({self.param(self.tsq(node))} AS tsquery)"
        if isinstance(node, Prefix):
            self.prefixes.append(node.value)
            return f"pinyin LIKE {self.param('% ' + node.value + '%')}"
        if isinstance(node, Term):  # pragma: no cover - handled by tsq
            raise AssertionError
        if not node.items:
            return "FALSE"
        op = " AND " if isinstance(node, And) else " OR "
        return "(" + op.join(self.condition(n) for n in node.items) + ")"


class PostgresBackend:
    """Search and index in PostgreSQL tables."""

    name = "postgres"

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

    def apply(self, doc_type: str, session: Session, upserts: list[Doc], deletes: set[int]) -> None:
        """Upsert and delete in the caller's transaction (committed with the outbox rows)."""
        if deletes:
            session.execute(
                sql("DELETE FROM search_document WHERE doc_type = :t AND key = ANY(:keys)"),
                {"t": doc_type, "keys": sorted(deletes)},
            )
        if upserts:
            session.execute(_UPSERT, [_row(doc_type, d) for d in upserts])

    def rebuild(self, doc_type: str, session: Session, batches: Iterable[list[Doc]]) -> int:
        """Replace all documents in one transaction: readers see the old set until commit."""
        session.execute(sql("DELETE FROM search_document WHERE doc_type = :t"), {"t": doc_type})
        count = 0
        for docs in batches:
            if docs:
                session.execute(_UPSERT, [_row(doc_type, d) for d in docs])
            count += len(docs)
        # Fresh statistics, or the planner picks the filters index for every query.
        session.execute(sql("ANALYZE search_document"))
        return count

    def clear(self, doc_type: str) -> None:
        """Drop every document of a type."""
        with db.engine.begin() as conn:
            conn.execute(sql("DELETE FROM search_document WHERE doc_type = :t"), {"t": doc_type})

    def digests(self, doc_type: str, session: Session) -> dict[int, str]:
        """Key → digest of every stored document."""
        rows = session.execute(
            sql("SELECT key, digest FROM search_document WHERE doc_type = :t"), {"t": doc_type}
        )
        return {k: d for k, d in rows}

    def search(self, doc_type: str, q: Query) -> Result:
        """Page of keys, then total and disjunctive facet counts in one pass (two queries)."""
        c = _Compiler()
        base = [f"doc_type = {c.param(doc_type)}"]
        if q.tree is not None:
            base.append(c.condition(q.tree))
        filt = {
            name: f"filters && CAST({c.param([f'{name}:{v}' for v in vals])} AS text[])"
            for name, vals in q.filters.items()
        }
        where = " AND ".join(base + list(filt.values()))
        order = 'sort COLLATE "C", key'
        if q.sort != "name" and q.tree is not None and q.tiers:
            order = f"{self._rank(q, c)}, {order}"
        start = (q.page - 1) * q.per_page
        keys = list(
            db.session.scalars(
                sql(
                    f"SELECT key FROM search_document WHERE {where} ORDER BY {order} "
                    f"LIMIT {int(q.per_page)} OFFSET {int(start)}"
                ),
                c.params,
            )
        )
        total, facets = self._counts(q, c, base, filt)
        return Result(keys=keys, total=total, facets=facets)

    @staticmethod
    def _rank(q: Query, c: _Compiler) -> str:
        """ORDER BY terms: tier, closeness to the viewer, current first (as Whoosh's buckets)."""
        tiers = " ".join(
            f"WHEN {c.condition(node)} THEN {i}" for i, node in enumerate(q.tiers[:-1])
        )
        terms = [f"CASE {tiers} ELSE {len(q.tiers)} END"] if tiers else []
        groups = [[f"{n}:{v}" for n, vals in group.items() for v in vals] for group in q.near]
        near = " ".join(
            f"WHEN filters && CAST({c.param(g)} AS text[]) THEN {i}"
            for i, g in enumerate(groups)
            if g
        )
        if near:
            terms.append(f"CASE {near} ELSE {len(groups)} END")
        current = c.param(["status:current"])
        terms.append(f"CASE WHEN filters && CAST({current} AS text[]) THEN 0 ELSE 1 END")
        # Never a bare integer: ORDER BY 0 would name a column position.
        return ", ".join(terms)

    def _counts(
        self, q: Query, c: _Compiler, base: list[str], filt: dict[str, str]
    ) -> tuple[int, dict[str, dict[str, int]]]:
        """The matches are read once (a CTE); each facet counts them minus its own filter."""
        wanted = [(f, f, f"{f}:") for f in q.facets]
        if q.region_facet is not None:
            name, parent = q.region_facet
            wanted.append(("region", name, f"{name}:{parent}"))
        every = " AND ".join(filt.values()) or "TRUE"
        parts = [f"SELECT -1 AS i, NULL AS v, count(*) AS n FROM m WHERE {every}"]
        for i, (label, name, prefix) in enumerate(wanted):
            conds = [s for f, s in filt.items() if f != name or label == "region"] or ["TRUE"]
            parts.append(
                f"SELECT {i}, v, count(*) FROM (SELECT unnest(filters) AS v FROM m "
                f"WHERE {' AND '.join(conds)}) x "
                f"WHERE v LIKE {c.param(escape_like(prefix) + '%')} ESCAPE '\\' GROUP BY v"
            )
        statement = (
            f"WITH m AS MATERIALIZED (SELECT filters FROM search_document "
            f"WHERE {' AND '.join(base)}) " + " UNION ALL ".join(parts)
        )
        total = 0
        out: dict[str, dict[str, int]] = {label: {} for label, _n, _p in wanted}
        for i, v, n in db.session.execute(sql(statement), c.params):
            if i < 0:
                total = n
                continue
            label, _name, prefix = wanted[i]
            value = v.split(":", 1)[1]
            if label == "region" and len(value) != next_region_length(prefix.split(":", 1)[1]):
                continue
            out[label][value] = n
        return total, out
