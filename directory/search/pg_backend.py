"""The PostgreSQL backend: for deployments with several app servers (no shared files).

Storage (docs/SEARCH.md "Backends"): every exact key of a document (name tokens,
organisation and bio words, pinyin prefixes and forms, filter values) is one element of
`search_document.terms`, marked by field (`n|`, `o|`, `p|`, `b|`, `x|`, `y|`, `f|`),
under one GIN index: the posting list of a key is one bitmap index scan.

Searching is the Whoosh backend's: the same `bitsets.Bitsets` evaluates the query tree,
the filters, the facet counts and the page over Python integers whose bits are the
documents' ranks in name order, so both backends give the same answers by
construction. Each process keeps, per document type, the rank order (the keys by
`sort`) and an LRU of posting lists as bitsets, built at one *version* of the table:
every write sets `search_version.version` to its transaction's id, in its transaction,
and every search reads it first (one primary-key look-up); at another version the
process drops its bitsets, and reads the rank order again only if the write may have
changed it (`order_version`: a document added, removed or re-sorted). So a search sees every write
committed before it started, from any process. The posting lists a search needs and
does not hold are read in one statement (after one range scan of `search_form` when it
has a pinyin prefix longer than 8 letters); the facet values from `search_set`.
"""

from __future__ import annotations

import bisect
import contextlib
import logging
import queue
import threading
import time
from array import array
from collections.abc import Generator, Iterable, Iterator, Sequence
from operator import itemgetter
from typing import Any, TypeVar

from flask import current_app
from sqlalchemy import text as sql
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from directory.core.text import segment
from directory.extensions import db
from directory.search.bitsets import UNIONS, Bitsets, to_bits
from directory.search.documents import DOC_TYPES, Doc
from directory.search.pg_staged import DOC as _DOC
from directory.search.pg_staged import StagedTable
from directory.search.query import Node, Prefix, Query, Term
from directory.search.results import Result, next_region_length

# The `terms` mark of each field of the neutral tree and of `Bitsets` (Whoosh's names).
MARKS = {"names": "n", "org": "o", "orgp": "p", "body": "b", "pfx": "x", "py": "y", "f": "f"}
MAX_PREFIX = 8  # pinyin prefixes up to this length are keys (`x|`); longer ones expand
REGION_FIELDS = ("reg", "reg_cur", "reg_past")
LEVELS = (2, 4, 6, 9, 12)
# Filter fields kept in the facet set (`fv_id`) besides the type's facets.
SET_FIELDS = ("active",)
# Value sets read in one pass (`_Bits.set_pass`): the facet sets (kind 0), provinces and
# cities (the region sets of code length 2 and 4). Their values are held by many
# documents each: one GIN posting list of most of the table per value cost 250 ms in
# PostgreSQL and 100 ms in Python at 1,000,000 documents; the pass reads the narrow
# columns once for all of them. Counties and below stay GIN keys (few holders each).
PASS_KINDS = (0, 2, 4)
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
# Posting lists are read only through the GIN index (bitmap scans): the cost model takes
# a test of `terms` on a row for a cheap operator, when it means reading a 150-element
# array out of line (a sequential scan of 100,000 rows: seconds), and would rather walk
# the primary key's btree for a broad key. Not in parallel (on a busy machine the
# workers wait for CPUs), no JIT. `set_config(..., true)` is SET LOCAL; _RESET puts the
# session's values back (a failed statement rolls them back with the transaction).
_SETTINGS = sql(
    "SELECT set_config('enable_seqscan', 'off', true), "
    "set_config('enable_indexscan', 'off', true), "
    "set_config('enable_indexonlyscan', 'off', true), "
    "set_config('max_parallel_workers_per_gather', '0', true), "
    "set_config('jit', 'off', true)"
)
_RESET = sql(
    "SELECT set_config(name, reset_val, true) FROM pg_settings WHERE name IN "
    "('enable_seqscan', 'enable_indexscan', 'enable_indexonlyscan', "
    "'max_parallel_workers_per_gather', 'jit')"
)
# The writing transaction's id (never reused) becomes its document type's version, and
# its `order_version` too when the write may change the rank order (a document added,
# removed or re-sorted; a rebuild): a process whose rank order was read at that order
# version keeps it and drops only its posting lists (`PostgresBackend.bits`).
_TXID = "CAST(CAST(pg_current_xact_id() AS text) AS bigint)"
# A write that moves no document also keeps the version it replaced and the keys it
# wrote (appended when one transaction writes several times; NULL past PATCH_KEYS): a
# process exactly one write behind patches its bitsets for those documents alone.
_BUMP = sql(
    f"INSERT INTO search_version (doc_type, version, order_version) VALUES (:t, {_TXID}, {_TXID}) "
    "ON CONFLICT (doc_type) DO UPDATE SET version = EXCLUDED.version, "
    "prev_version = CASE WHEN search_version.version = EXCLUDED.version "
    "THEN search_version.prev_version ELSE search_version.version END, "
    "changed = CASE WHEN search_version.version <> EXCLUDED.version THEN CAST(:keys AS text) "
    "WHEN search_version.changed IS NULL OR CAST(:keys AS text) IS NULL THEN NULL "
    "ELSE search_version.changed || ' ' || CAST(:keys AS text) END"
)
_BUMP_ORDER = sql(
    f"INSERT INTO search_version (doc_type, version, order_version) VALUES (:t, {_TXID}, {_TXID}) "
    "ON CONFLICT (doc_type) DO UPDATE SET version = EXCLUDED.version, "
    "order_version = EXCLUDED.order_version, prev_version = NULL, changed = NULL"
)
_VERSION = sql(
    "SELECT version, order_version, prev_version, changed FROM search_version WHERE doc_type = :t"
)
# The changed documents' keys with the version, in one snapshot (`_Bits.patched`).
_CHANGED = sql(
    f"SELECT v.version, d.key, d.terms FROM search_version v LEFT JOIN {_DOC} d "
    "ON d.doc_type = v.doc_type AND d.key = ANY(CAST(:keys AS bigint[])) WHERE v.doc_type = :t"
)
PATCH_KEYS = 16  # more documents in one write: the posting lists are read again instead
# The versions and the rank order read in one statement (one snapshot).
_ORDER = sql(
    f"SELECT v.version, v.order_version, (SELECT array_agg(key ORDER BY sort, key) FROM {_DOC} "
    "WHERE doc_type = :t) FROM (SELECT 1) AS one "
    "LEFT JOIN search_version v ON v.doc_type = :t"
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


class _Bits(Bitsets):
    """One document type's bitsets at one version of the table.

    `keys` are the document keys in rank (name) order; a key's rank is found in an array
    indexed by key (keys are serial ids: 4 bytes per id up to the largest) or, if the
    keys are sparse, a dict.
    """

    def __init__(
        self,
        doc_type: str,
        version: tuple[int | None, int | None],
        keys: Sequence[int],
        rank: array[int] | dict[int, int] | None = None,
    ) -> None:
        super().__init__(len(keys))
        self.doc_type, self.keys = doc_type, keys
        self.version, self.order_version = version
        self._rank: array[int] | dict[int, int]
        if rank is not None:
            self._rank = rank
        elif (top := max(keys, default=0)) <= 4 * len(keys) + 1000:
            self._rank = array("i", [-1]) * (top + 1)
            for r, k in enumerate(keys):
                self._rank[k] = r
        else:
            self._rank = {k: r for r, k in enumerate(keys)}
        self._forms: dict[str, list[str]] = {}  # long prefix -> whole forms
        self._vocabulary: list[str] | None = None  # every `field:value` of search_set
        dt = DOC_TYPES.get(doc_type)
        self._set_fields = {*(dt.facets if dt is not None else ()), *SET_FIELDS}
        self._passed: set[int] = set()  # kinds read by `set_pass`

    def at(self, version: tuple[int | None, int | None]) -> _Bits:
        """Bitsets at a later version that kept the rank order: the same order (and its
        index), none of the posting lists, forms or value sets read at this one."""
        return _Bits(self.doc_type, version, self.keys, self._rank)

    def patched(self, version: tuple[int | None, int | None], keys: list[int]) -> _Bits | None:
        """Bitsets at the next version, which wrote `keys` and moved none of them: each
        cached posting list gets their bits from their stored `terms` (a filter value's
        too: its `f|` key). The pinyin expansions are read again; the values of the facets
        are kept unless the documents hold one they lack. None when the version read with
        the documents is not `version` (a write meanwhile) or a key has no rank."""
        rows = db.session.execute(_CHANGED, {"t": self.doc_type, "keys": keys}).all()
        if not rows or rows[0][0] != version[0]:
            return None
        terms = {key: set(held) for _v, key, held in rows if key is not None}
        ranks = dict(zip(terms, self.ranks_of(list(terms)), strict=True))
        if len(terms) != len(set(keys)) or min(ranks.values(), default=-1) < 0:
            return None
        new = self.at(version)
        with self._lock:
            entries = list(self._cache.items())
        for (field, text), bits in entries:
            mark = MARKS.get(field)
            if mark is None:  # `py*` unions and `values` lists
                continue
            key = f"{mark}|{text}"
            for doc, rank in ranks.items():
                if (key in terms[doc]) != bool(bits >> rank & 1):
                    bits ^= 1 << rank
            new.store(field, text, bits)
        vocabulary = self._vocabulary
        held = {t[2:] for ts in terms.values() for t in ts if t.startswith("f|")}
        if vocabulary is not None and all(
            _holds(vocabulary, v) for v in held if self.kind(v) is not None
        ):
            new._vocabulary = vocabulary
            for entry, values in entries:
                if entry[0] == "values":
                    new.store(*entry, values)
        new._passed = set(self._passed)
        return new

    def key_at(self, rank: int) -> int:
        return self.keys[rank]

    def ranks_of(self, keys: Sequence[int]) -> Iterable[int]:
        """The ranks of the keys (-1 for a key not in the rank order)."""
        rank = self._rank
        if len(keys) > 1:
            try:  # all at once, in C
                return itemgetter(*keys)(rank)
            except (IndexError, KeyError):  # a key newer than the rank order
                pass
        if isinstance(rank, dict):
            return [rank.get(k, -1) for k in keys]
        return [rank[k] if 0 <= k < len(rank) else -1 for k in keys]

    def _ranks(self, field: str, text: str) -> Iterable[int]:
        """A posting list `prefetch` did not read (evicted meanwhile): read alone."""
        return self.ranks_of(_postings(self.doc_type, [f"{MARKS[field]}|{text}"])[0])

    def _expand(self, field: str, prefix: str) -> list[str]:
        if field == "py":
            if prefix not in self._forms:
                self._forms.update(_expand_forms(self.doc_type, [prefix]))
            return self._forms[prefix]
        if field == "f":
            if self._vocabulary is None:
                self._vocabulary = _vocabulary()
            words = self._vocabulary
            lo = bisect.bisect_left(words, prefix)
            hi = bisect.bisect_left(words, _after(prefix)) if prefix else len(words)
            return words[lo:hi]
        raise ValueError(f"no expansion over {field!r}")

    def kind(self, entry: str) -> int | None:
        """The kind of value set that holds a filter value `field:value` (None: none)."""
        name, _, value = entry.partition(":")
        if name in self._set_fields:
            return 0
        if name in REGION_FIELDS and len(value) in LEVELS:
            return len(value)
        return None

    def set_pass(self, kinds: list[int]) -> None:
        """The posting list of every value of the sets of `kinds`, from one statement
        grouping the keys by set id (a pass over the narrow columns per kind): a value's
        documents are those of the sets that hold it. A value of `search_set` that no
        document holds any more gets an empty bitset."""
        parts = []
        for kind in kinds:
            column = "fv_id" if kind == 0 else f"rl{kind}_id"
            parts.append(
                f"SELECT {kind} AS kind, {column} AS id, array_agg(key) AS keys FROM {_DOC} "
                f"WHERE doc_type = :t AND {column} IS NOT NULL GROUP BY {column}"
            )
        statement = (
            f"WITH g AS ({' UNION ALL '.join(parts)}) "
            "SELECT g.kind, s.value, g.keys FROM g JOIN search_set s "
            "ON s.id = g.id AND s.kind = g.kind"
        )
        values: dict[str, int] = {}
        for kind, value, keys in db.session.execute(sql(statement), {"t": self.doc_type}):
            bits = to_bits(self.ranks_of(keys), self.size)
            for entry in value.split():
                if self.kind(entry) == kind:
                    values[entry] = values.get(entry, 0) | bits
        self._passed.update(kinds)
        for entry in self._expand("f", ""):
            if self.kind(entry) in kinds:
                self.store("f", entry, values.get(entry, 0))

    def prefetch(self, q: Query) -> None:
        """Read every posting list the search will need and does not hold, in one statement."""
        wanted: set[tuple[str, str]] = {("f", "status:current")}
        long: set[str] = set()
        stack: list[Node] = [n for n in (q.tree, *q.tiers) if n is not None]
        while stack:
            node = stack.pop()
            if isinstance(node, Term):
                wanted.add((node.field, node.value))
            elif isinstance(node, Prefix):
                if len(node.value) <= MAX_PREFIX:
                    wanted.add(("pfx", node.value))
                elif self.cached("py*", node.value) is None:
                    long.add(node.value)
            else:
                stack.extend(node.items)
        missing_forms = sorted(p for p in long if p not in self._forms)
        if missing_forms:
            self._forms.update(_expand_forms(self.doc_type, missing_forms))
        wanted |= {("py", f) for p in long for f in self._forms[p]}
        filters = [(n, v) for n, vals in q.filters.items() for v in vals]
        filters += [(n, v) for group in q.near for n, vals in group.items() for v in vals]
        facets = [(name, name, "") for name in q.facets]
        if q.region_facet is not None:
            facets.append(("region", *q.region_facet))
        for label, name, prefix in facets:
            length = next_region_length(prefix) if label == "region" else None
            values = self.values(name, prefix)
            filters += [(name, v) for v in values if length is None or len(v) == length]
        wanted |= {("f", f"{part}:{v}") for n, v in filters for part in UNIONS.get(n, (n,))}
        missing = sorted(k for k in wanted if self.cached(*k) is None)
        found_kinds = {self.kind(t) for f, t in missing if f == "f"}
        kinds = {k for k in PASS_KINDS if k in found_kinds and k not in self._passed}
        if kinds:
            self.set_pass(sorted(kinds))
            missing = [k for k in missing if self.cached(*k) is None]
        if missing:
            found = _postings(self.doc_type, [f"{MARKS[f]}|{t}" for f, t in missing])
            for (field, text), keys in zip(missing, found, strict=True):
                self.store(field, text, to_bits(self.ranks_of(keys), self.size))


def _postings(doc_type: str, keys: list[str]) -> list[list[int]]:
    """The document keys holding each `terms` key (one bitmap index scan each, one
    statement)."""
    params: dict[str, Any] = {"t": doc_type}
    parts = []
    for i, key in enumerate(keys):
        params[f"k{i}"] = [key]
        # `doc_type` in a form no btree serves: only the GIN index finds the rows.
        parts.append(
            f"SELECT {i} AS i, array_agg(key) FROM {_DOC} "
            f"WHERE (doc_type || '') = :t AND terms @> CAST(:k{i} AS text[])"
        )
    db.session.execute(_SETTINGS)
    rows = db.session.execute(sql(" UNION ALL ".join(parts)), params).all()
    db.session.execute(_RESET)
    out: list[list[int]] = [[] for _ in keys]
    for i, found in rows:
        out[i] = found or []
    return out


def _expand_forms(doc_type: str, prefixes: list[str]) -> dict[str, list[str]]:
    """Whole forms starting with each long prefix (btree range scans, one statement)."""
    params: dict[str, Any] = {"t": doc_type}
    parts = []
    for i, p in enumerate(prefixes):
        params[f"lo{i}"], params[f"hi{i}"] = p, _after(p)
        parts.append(
            f"SELECT {i} AS i, form FROM search_form WHERE doc_type = :t "
            f"AND form >= :lo{i} AND form < :hi{i}"
        )
    out: dict[str, list[str]] = {p: [] for p in prefixes}
    for i, form in db.session.execute(sql(" UNION ALL ".join(parts)), params):
        out[prefixes[i]].append(form)
    return out


def _vocabulary() -> list[str]:
    """Every `field:value` of the value sets, sorted (byte order): the facet values.

    Sets are only added, so a value nobody holds any more may be listed; its count is 0
    and `Bitsets` leaves it out.
    """
    rows = db.session.scalars(sql("SELECT value FROM search_set"))
    return sorted({entry for value in rows for entry in value.split()})


def _holds(words: list[str], word: str) -> bool:
    """Whether the sorted list `words` holds `word`."""
    i = bisect.bisect_left(words, word)
    return i < len(words) and words[i] == word


def _after(prefix: str) -> str:
    """The least string greater than every string starting with `prefix` (code points)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


class PostgresBackend:
    """Search and index in PostgreSQL tables."""

    name = "postgres"

    def __init__(self) -> None:
        self._bits: dict[str, _Bits] = {}  # per document type, at one version
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
            if deletes or self._moves(doc_type, session, upserts):
                session.execute(_BUMP_ORDER, {"t": doc_type})
            else:
                keys = sorted({d.key for d in upserts})
                written = " ".join(map(str, keys)) if len(keys) <= PATCH_KEYS else None
                session.execute(_BUMP, {"t": doc_type, "keys": written})
        if deletes:
            session.execute(
                sql(f"DELETE FROM {_DOC} WHERE doc_type = :t AND key = ANY(:keys)"),
                {"t": doc_type, "keys": sorted(deletes)},
            )
        if upserts:
            self._write(doc_type, session, upserts)

    @staticmethod
    def _moves(doc_type: str, session: Session, upserts: list[Doc]) -> bool:
        """Whether writing `upserts` adds a document or changes one's sort (its rank).

        Writers of a type hold its advisory lock until they commit (`lock`, sync.drain),
        so the stored sorts read here are the latest."""
        if not upserts:
            return False
        rows = session.execute(_SORTS, {"t": doc_type, "keys": [d.key for d in upserts]})
        stored: dict[int, str] = {key: sort for key, sort in rows}
        return any(stored.get(d.key) != (d.sort or str(d.key)) for d in upserts)

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
        session.execute(_BUMP_ORDER, {"t": doc_type})
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
            conn.execute(_BUMP_ORDER, {"t": doc_type})
            conn.execute(sql(f"DELETE FROM {_DOC} WHERE doc_type = :t"), {"t": doc_type})
            conn.execute(sql("DELETE FROM search_form WHERE doc_type = :t"), {"t": doc_type})

    def digests(self, doc_type: str, session: Session) -> dict[int, str]:
        """Key → digest of every stored document."""
        rows = session.execute(
            sql(f"SELECT key, digest FROM {_DOC} WHERE doc_type = :t"), {"t": doc_type}
        )
        return {k: d for k, d in rows}

    # -- reading ---------------------------------------------------------
    def bits(self, doc_type: str) -> _Bits:
        """This process's bitsets of `doc_type`, read again if the table changed since.

        The version is read at the start of every search (in the search's session:
        its own uncommitted writes count), so a search sees every write committed
        before it, from any process. A set built from a later state than its version
        says (a write committed between the two reads) is only read again once more.
        """
        row = db.session.execute(_VERSION, {"t": doc_type}).one_or_none()
        version: tuple[int | None, int | None] = (row[0], row[1]) if row else (None, None)
        with self._mutex:
            bits = self._bits.get(doc_type)
        if bits is not None and (bits.version, bits.order_version) == version:
            return bits
        if bits is not None and version[1] is not None and bits.order_version == version[1]:
            # No document added, removed or moved since; one write behind, with its keys:
            # patch the bitsets for those documents, else read the posting lists again.
            written = row[3].split() if row and row[2] == bits.version and row[3] else []
            patched = None
            if 0 < len(written) <= PATCH_KEYS:
                patched = bits.patched(version, [int(k) for k in written])
            bits = patched or bits.at(version)
        else:
            latest, order, keys = db.session.execute(_ORDER, {"t": doc_type}).one()
            bits = _Bits(doc_type, (latest, order), array("q", keys or []))
        with self._mutex:
            self._bits[doc_type] = bits
        return bits

    def search(self, doc_type: str, q: Query) -> Result:
        """Keys of the page, the total and the facet counts, from this process's bitsets."""
        bits = self.bits(doc_type)
        bits.prefetch(q)
        keys, total, facets = bits.search(q)
        return Result(keys=keys, total=total, facets=facets)
