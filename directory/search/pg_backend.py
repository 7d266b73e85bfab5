"""The PostgreSQL backend: for deployments with several app servers (no shared files).

Laid out for the planner (docs/SEARCH.md "PostgreSQL backend"): every exact key of a
document (name tokens, organisation and bio words, pinyin prefixes and forms, filter
values) is one element of `search_document.terms`, marked by field (`n|`, `o|`, `p|`,
`b|`, `x|`, `y|`, `f|`), under one GIN index. A query tree becomes `@>` / `&&` tests on
that array, so matching and filtering are exact bitmap index scans (no recheck, no
`LIKE`). `terms` is stored out of line; what a search reads row by row is narrow:
`sort`, `cur_order`, and integers: the id of the document's set of facet values
(`fv_id`) and of its region codes per level (`rl2_id`..`rl12_id`), sets kept once each
in `search_set`.

A search is at most four statements: the long pinyin prefixes expanded over the btree
table `search_form`; the total and every facet counted in one grouped pass over two
integer columns (filters that no facet counts are applied in SQL, facet filters per
group in Python, region children read from the one level column); capped counts of the
ranking tiers; and the page, read only from the tier(s) it falls in. Broad filters (the
`active` flag, `status`, a province or a city) are tested on the narrow integer columns
of the rows the words found, not intersected in the GIN index (a posting list of nearly
every document, read for every search).
"""

from __future__ import annotations

import contextlib
import math
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import text as sql
from sqlalchemy.orm import Session

from directory.core.text import segment
from directory.extensions import db
from directory.search.documents import DOC_TYPES, Doc
from directory.search.query import TIERS, And, Node, Or, Prefix, Query, Term
from directory.search.results import Result, next_region_length

MARKS = {"names": "n", "org": "o", "orgp": "p", "body": "b"}
MAX_PREFIX = 8  # pinyin prefixes up to this length are keys (`x|`); longer ones expand
REGION_FIELDS = ("reg", "reg_cur", "reg_past")
LEVELS = (2, 4, 6, 9, 12)
# Filter fields kept in the facet set (`fv_id`) besides the type's facets, so that they
# can be tested on the narrow column.
SET_FIELDS = ("active",)
# Filters held by most documents: tested on the narrow columns (the ids of the sets that
# hold the value) rather than in the GIN index, when the words or another filter leave
# the GIN index something to find. Any other filter is an exact GIN key (selective).
BROAD_FIELDS = ("active", "status")
BROAD_REGION_LENGTHS = (2, 4)  # provinces and cities
_DOC = "search_document"
# Testing `terms` on one row (read out of line, decompressed) against reading one narrow
# row through a bitmap: how many times dearer (measured at 100,000 documents).
DETOAST_COST = 30
# Tiers from here on match organisations, titles and bios: their people are spread
# along the name order (the name tiers' people cluster in it: "张" is one stretch).
FIRST_TEXT_TIER = TIERS.index("org_name")

_UPSERT = sql(
    f"""INSERT INTO {_DOC} (doc_type, key, terms, sort, cur_order, fv_id, rl2_id, rl4_id,
        rl6_id, rl9_id, rl12_id, digest)
    VALUES (:doc_type, :key, :terms, :sort, :cur_order, :fv_id, :rl2_id, :rl4_id, :rl6_id,
        :rl9_id, :rl12_id, :digest)
    ON CONFLICT (doc_type, key) DO UPDATE SET terms = EXCLUDED.terms, sort = EXCLUDED.sort,
        cur_order = EXCLUDED.cur_order, fv_id = EXCLUDED.fv_id, rl2_id = EXCLUDED.rl2_id,
        rl4_id = EXCLUDED.rl4_id, rl6_id = EXCLUDED.rl6_id, rl9_id = EXCLUDED.rl9_id,
        rl12_id = EXCLUDED.rl12_id, digest = EXCLUDED.digest, pad = EXCLUDED.pad"""
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
# The planner settings a search changes, back to the session's values (one statement).
_RESET = sql(
    "SELECT set_config(name, reset_val, true) FROM pg_settings WHERE name IN "
    "('enable_seqscan', 'enable_indexscan', 'enable_indexonlyscan', "
    "'max_parallel_workers_per_gather', 'enable_sort', 'plan_cache_mode', 'jit')"
)
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
        "cur_order": 0 if "current" in doc.filters.get("status", ()) else 1,
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


def _key(node: Term | Prefix) -> str:
    if isinstance(node, Term):
        return f"{MARKS[node.field]}|{node.value}"
    return f"x|{node.value}"


class _Compiler:
    """Neutral tree → a condition on `terms` with bound parameters.

    Single keys under an And become one `terms @> ARRAY[...]`, under an Or one
    `terms && ARRAY[...]` (one GIN scan each); a long prefix is the `&&` of its forms.
    """

    def __init__(self, forms: dict[str, list[str]]) -> None:
        self.params: dict[str, Any] = {}
        self.forms = forms

    def param(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def array(self, op: str, keys: list[str]) -> str:
        return f"terms {op} CAST({self.param(sorted(set(keys)))} AS text[])"

    def _keys(self, node: Node) -> list[str] | None:
        """The node as a list of keys any of which matches (None: not that simple)."""
        if isinstance(node, Term):
            return [_key(node)]
        if isinstance(node, Prefix):
            if len(node.value) <= MAX_PREFIX:
                return [_key(node)]
            return [f"y|{f}" for f in self.forms.get(node.value, [])]
        return None

    def condition(self, node: Node) -> str:
        node = _flatten(node)
        keys = self._keys(node)
        if keys is not None:
            return self.array("&&", keys) if keys else "FALSE"
        assert isinstance(node, And | Or)
        if not node.items:
            return "FALSE" if isinstance(node, Or) else "TRUE"
        simple: list[list[str]] = []
        rest: list[str] = []
        for item in node.items:
            k = self._keys(item)
            if k is None:
                rest.append(self.condition(item))
            else:
                simple.append(k)
        parts: list[str] = []
        if isinstance(node, And):
            if any(not k for k in simple):
                return "FALSE"
            single = [k[0] for k in simple if len(k) == 1]
            if single:
                parts.append(self.array("@>", single))
            parts += [self.array("&&", k) for k in simple if len(k) > 1]
            return "(" + " AND ".join(parts + rest) + ")"
        flat = [key for k in simple for key in k]
        if flat:
            parts.append(self.array("&&", flat))
        if not parts and not rest:
            return "FALSE"
        return "(" + " OR ".join(parts + rest) + ")"


def _flatten(node: Node) -> Node:
    """Nested Ors (Ands) merged into one, so their keys meet in one array (one GIN scan):
    an OR of several array tests would let the planner read every row instead."""
    if not isinstance(node, And | Or):
        return node
    kind = type(node)
    items: list[Node] = []
    for item in node.items:
        item = _flatten(item)
        if isinstance(item, kind):
            items.extend(item.items)
        else:
            items.append(item)
    return kind(tuple(dict.fromkeys(items)))


def _simple_keys(c: _Compiler, node: Node) -> set[str] | None:
    """The keys of a node any of which matches (a key, or an Or of keys), else None."""
    node = _flatten(node)
    keys = c._keys(node)
    if keys is not None:
        return set(keys)
    if not isinstance(node, Or):
        return None
    out: set[str] = set()
    for item in node.items:
        k = c._keys(item)
        if k is None:
            return None
        out |= set(k)
    return out


def _long_prefixes(nodes: Iterable[Node | None]) -> set[str]:
    out: set[str] = set()
    stack = [n for n in nodes if n is not None]
    while stack:
        node = stack.pop()
        if isinstance(node, Prefix):
            if len(node.value) > MAX_PREFIX:
                out.add(node.value)
        elif isinstance(node, And | Or):
            stack.extend(node.items)
    return out


def _order(first: str, walk: bool) -> str:
    """ORDER BY columns: the btree's own (`walk`), or expressions no btree serves, which
    leave the planner the GIN bitmap and a top-N sort of the rows it returns."""
    if walk:
        return ", ".join([*([first] if first else []), "sort", "key"])
    return ", ".join(
        [*([f"{first} + 0"] if first else []), "(sort || '') COLLATE \"C\"", "key + 0"]
    )


def _after(prefix: str) -> str:
    """The least string greater than every string starting with `prefix` (byte order)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


class PostgresBackend:
    """Search and index in PostgreSQL tables."""

    name = "postgres"

    def __init__(self) -> None:
        self._docs, self._docs_at = 0.0, -1e9

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
        rows = [_row(doc_type, d) for d in docs]
        wanted = {(0, r["fv"]) for r in rows} | {
            (level, r[f"rl{level}"]) for r in rows for level in LEVELS if r[f"rl{level}"]
        }
        ids = self._set_ids(session, wanted)
        for r in rows:
            r["fv_id"] = ids[(0, r.pop("fv"))]
            for level in LEVELS:
                value = r.pop(f"rl{level}")
                r[f"rl{level}_id"] = ids[(level, value)] if value else None
        session.execute(_UPSERT, rows)
        forms = sorted({f for d in docs for f in d.pinyin if len(f) > MAX_PREFIX})
        if forms:
            session.execute(_FORMS, {"t": doc_type, "forms": forms})

    @staticmethod
    def _set_ids(session: Session, wanted: set[tuple[int, str]]) -> dict[tuple[int, str], int]:
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
        if deletes:
            session.execute(
                sql(f"DELETE FROM {_DOC} WHERE doc_type = :t AND key = ANY(:keys)"),
                {"t": doc_type, "keys": sorted(deletes)},
            )
        if upserts:
            self._write(doc_type, session, upserts)

    def rebuild(self, doc_type: str, session: Session, batches: Iterable[list[Doc]]) -> int:
        """Replace all documents in one transaction: readers see the old set until commit."""
        session.execute(sql(f"DELETE FROM {_DOC} WHERE doc_type = :t"), {"t": doc_type})
        session.execute(sql("DELETE FROM search_form WHERE doc_type = :t"), {"t": doc_type})
        count = 0
        for docs in batches:
            if docs:
                self._write(doc_type, session, docs)
            count += len(docs)
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
            conn.execute(sql(f"DELETE FROM {_DOC} WHERE doc_type = :t"), {"t": doc_type})
            conn.execute(sql("DELETE FROM search_form WHERE doc_type = :t"), {"t": doc_type})

    def digests(self, doc_type: str, session: Session) -> dict[int, str]:
        """Key → digest of every stored document."""
        rows = session.execute(
            sql(f"SELECT key, digest FROM {_DOC} WHERE doc_type = :t"), {"t": doc_type}
        )
        return {k: d for k, d in rows}

    # -- reading ---------------------------------------------------------
    def _expand(self, doc_type: str, prefixes: set[str]) -> dict[str, list[str]]:
        """Whole forms starting with each long prefix (btree range scans, one statement)."""
        if not prefixes:
            return {}
        ordered = sorted(prefixes)
        params: dict[str, Any] = {"t": doc_type}
        parts = []
        for i, p in enumerate(ordered):
            params[f"lo{i}"], params[f"hi{i}"] = p, _after(p)
            parts.append(
                f"SELECT {i} AS i, form FROM search_form WHERE doc_type = :t "
                f"AND form >= :lo{i} AND form < :hi{i}"
            )
        out: dict[str, list[str]] = {p: [] for p in ordered}
        for i, form in db.session.execute(sql(" UNION ALL ".join(parts)), params):
            out[ordered[i]].append(form)
        return out

    def search(self, doc_type: str, q: Query) -> Result:
        """Total and facets in one grouped pass, then the page from the tiers it falls in.

        The cost model takes a test of `terms` on a row for a cheap operator, when it
        means reading a 150-element array out of line: on a small or mid-sized table it
        would rather read every row, and under a LIMIT it would walk a btree testing
        each row. The search's statements run without sequential scans and without
        plain index scans (only bitmap scans: GIN offers nothing else), so every
        condition on `terms` goes through the GIN index; `_ordered` allows index scans
        for its deliberate walks only. Not in parallel either: on a busy machine the
        workers wait for CPUs. Always planned for the actual keys: psycopg prepares a
        statement run five times, and PostgreSQL's generic plan for it (keys unknown)
        read every row of a three-word query's tier count (3 s instead of 0.2 ms). No
        JIT: a plan with a disabled node costs over 10^10, far above `jit_above_cost`,
        and compiling it took 140 ms of a 10,000-row scan that runs in 2 ms.
        (`set_config(..., true)` is SET LOCAL; reset afterwards; a failed statement rolls
        the settings back with the transaction.)
        """
        db.session.execute(
            sql(
                "SELECT set_config('enable_seqscan', 'off', true), "
                "set_config('enable_indexscan', 'off', true), "
                "set_config('enable_indexonlyscan', 'off', true), "
                "set_config('max_parallel_workers_per_gather', '0', true), "
                "set_config('plan_cache_mode', 'force_custom_plan', true), "
                "set_config('jit', 'off', true)"
            )
        )
        result = self._search(doc_type, q)
        db.session.execute(_RESET)
        return result

    def _search(self, doc_type: str, q: Query) -> Result:
        forms = self._expand(doc_type, _long_prefixes([q.tree, *q.tiers]))
        c = _Compiler(forms)
        # Not indexable on purpose: a btree on doc_type would offer the planner "every
        # document of the type, then test `terms` on each row", cheap in its cost model.
        base = [f"(doc_type || '') = {c.param(doc_type)}"]
        if q.tree is not None:
            base.append(c.condition(q.tree))
        broad = self._broad(q, c)
        filt = {
            name: broad.get(name) or c.array("&&", [f"f|{name}:{v}" for v in vals])
            for name, vals in q.filters.items()
        }
        total, facets = self._counts(q, c, base, filt)
        where = base + list(filt.values())
        start = (q.page - 1) * q.per_page
        if total <= start:
            return Result(keys=[], total=total, facets=facets)
        if q.sort == "name" or q.tree is None or not q.tiers:
            # A walk in name order only without words: name matches cluster in that order.
            walk = q.tree is None and self._dense(total, start + q.per_page)
            keys = self._page(c, where, "", start, q.per_page, total if walk else 0)
        else:
            keys = self._ranked(q, c, where, base[1], start, total)
        return Result(keys=keys, total=total, facets=facets)

    def _broad(self, q: Query, c: _Compiler) -> dict[str, str]:
        """Conditions on the narrow columns for the broad filters (`BROAD_FIELDS`, regions
        of `BROAD_REGION_LENGTHS`): the ids of the value sets that hold a value, found in
        `search_set` (one statement; the sets of a kind are hundreds to a few thousand)."""
        wanted: list[tuple[str, int, list[str]]] = []
        regions: list[tuple[str, int, list[str]]] = []
        exact = q.tree is not None  # whether the GIN index is left something to find
        for name, vals in q.filters.items():
            lengths = {len(v) for v in vals}
            if vals and name in BROAD_FIELDS:
                wanted.append((name, 0, [f"{name}:{v}" for v in vals]))
            elif name in REGION_FIELDS and len(lengths) == 1 and lengths <= {*BROAD_REGION_LENGTHS}:
                regions.append((name, len(vals[0]), [f"{name}:{v}" for v in vals]))
            else:
                exact = True
        # Without words, a city's posting list is the best start (a sequential scan of
        # the table read ten times the rows at 10,000 documents); the rest is tested on it.
        if exact:
            wanted += regions
        if not wanted:
            return {}
        params: dict[str, Any] = {}
        parts = []
        for i, (_name, kind, tokens) in enumerate(wanted):
            params[f"k{i}"], params[f"v{i}"] = kind, tokens
            parts.append(
                f"SELECT {i} AS i, id FROM search_set WHERE kind = :k{i} "
                f"AND string_to_array(value, ' ') && CAST(:v{i} AS text[]) COLLATE \"C\""
            )
        found: dict[int, list[int]] = defaultdict(list)
        for i, set_id in db.session.execute(sql(" UNION ALL ".join(parts)), params):
            found[i].append(set_id)
        out = {}
        for i, (name, kind, _tokens) in enumerate(wanted):
            column = "fv_id" if kind == 0 else f"rl{kind}_id"
            out[name] = f"{column} = ANY(CAST({c.param(sorted(found[i]))} AS integer[]))"
        return out

    def _page(
        self, c: _Compiler, where: list[str], first: str, skip: int, limit: int, walk: int
    ) -> list[int]:
        """Keys of the rows meeting `where`, `skip`..`skip+limit` in (`first`, sort) order."""
        return self._ordered(c, " AND ".join(where), first, skip, limit, walk)

    def _ordered(
        self, c: _Compiler, where: str, first: str, skip: int, limit: int, walk: int
    ) -> list[int]:
        """Keys of the rows meeting `where` in (`first`, sort, key) order, `skip`..`skip+limit`.

        `walk` (the number of such rows, at least; 0: no walk): the ordering btree is read in order and each row tested, within a budget
        of rows (the subquery's LIMIT keeps the conditions out of it, so the planner
        cannot trade the walk for a bitmap and a sort of every match). The walk assumes
        the matches are spread evenly along the order; when they are not (a former
        cadres' filter, all at the end) and the budget runs out short of the page, the
        rows are read the other way: the GIN bitmap finds them and a top-N sort orders
        them (also the way when not `walk`).
        """
        tail = f"LIMIT {int(limit)} OFFSET {int(skip)}"
        if walk > 0:
            docs = self._doc_count()
            # Four times the rows an even spread needs.
            budget = int(4 * (skip + limit) * docs / walk) + 100
            inner = f"SELECT * FROM {_DOC} ORDER BY {_order(first, True)} LIMIT {budget}"
            statement = (
                f"SELECT key FROM ({inner}) w WHERE {where} ORDER BY {_order(first, True)} {tail}"
            )
            db.session.execute(sql("SELECT set_config('enable_indexscan', 'on', true)"))
            keys = list(db.session.scalars(sql(statement), c.params))
            db.session.execute(sql("SELECT set_config('enable_indexscan', 'off', true)"))
            if len(keys) >= limit or budget >= docs:
                return keys
        statement = f"SELECT key FROM {_DOC} WHERE {where} ORDER BY {_order(first, False)} {tail}"
        return list(db.session.scalars(sql(statement), c.params))

    def _ranked(
        self, q: Query, c: _Compiler, where: list[str], tree: str, start: int, total: int
    ) -> list[int]:
        """Keys of the page in ranking order (tier, closeness, current, name).

        Capped counts of the cumulative tiers say which tiers the page falls in (the
        earlier tiers together hold fewer rows than the page's end, at most 10,020, and
        are excluded with a hashed `NOT IN`); each such tier is read by `_tier_page`.
        The last tier is the whole match: its count is the total, already known. A tier
        whose keys are some of the tree's (one word: the tree is the Or of them all) is
        not tested against the tree as well: one GIN scan key fewer, and for a broad word
        the two are posting lists of most documents each.
        """
        end = start + q.per_page
        tiers: list[tuple[str, Node]] = []
        walkable: list[bool] = []  # rows new in the tier are not clustered in name order
        clauses: list[str] = []  # `where` for the tier (without the tree when implied)
        tree_keys = _simple_keys(c, q.tree) if q.tree is not None else None
        rest = " AND ".join(w for w in where if w is not tree)
        for k, node in enumerate(q.tiers):
            if tiers and tiers[-1][1] == node:
                continue
            tiers.append((c.condition(node), node))
            walkable.append(k >= FIRST_TEXT_TIER)
            keys_k = _simple_keys(c, node)
            implied = tree_keys is not None and keys_k is not None and keys_k <= tree_keys
            clauses.append(rest if implied else " AND ".join(where))
        clause = " AND ".join(where)
        counts: list[int] = []
        # Lazily, best tier first: the first tier that fills the page ends the counting
        # (a broad cumulative tier is a whole GIN bitmap, even under a LIMIT).
        # A tier that fills the page is counted up to `cap`: reaching it says the tier is
        # dense enough for its page to be read by walking the ordering btree.
        cap = max(end, self._walk_size(end))
        sizes: list[int] = []
        for (cond, _node), tier_clause in zip(tiers[:-1], clauses, strict=False):
            count = db.session.scalar(
                sql(
                    f"SELECT count(*) FROM (SELECT 1 FROM {_DOC} WHERE {tier_clause} AND {cond} "
                    f"LIMIT {int(cap)}) s"
                ),
                c.params,
            )
            sizes.append(int(count or 0))
            counts.append(min(sizes[-1], end))
            if counts[-1] >= end:
                break
        else:
            counts.append(min(total, end))
            sizes.append(total)
        groups = [
            members
            for group in q.near
            if (members := sorted({f"f|{n}:{v}" for n, vals in group.items() for v in vals}))
        ]
        keys: list[int] = []
        prev, prev_cond = 0, ""
        last = len(tiers) - 1
        for i, ((cond, _node), count) in enumerate(zip(tiers, counts, strict=False)):
            if count > prev and count > start:
                # The whole match needs no condition of its own (the tree is in `where`).
                conds = [clauses[i], cond] if i < last else [clause]
                if prev:
                    earlier = f"SELECT key FROM {_DOC} WHERE {clauses[i - 1]} AND {prev_cond}"
                    conds.append(f"key NOT IN ({earlier})")
                skip, want = max(0, start - prev), q.per_page - len(keys)
                # Rows of this tier (at least; counted up to `cap`).
                size = sizes[i] - prev
                walk = walkable[i] and self._dense(size, skip + want)
                keys += self._tier_page(c, conds, groups, skip, want, size if walk else 0)
                start = max(start, count)
            if count >= end or len(keys) >= q.per_page:
                break
            prev, prev_cond = count, cond
        return keys

    def _dense(self, size: int, needed: int) -> bool:
        """Whether walking the ordering btree (testing each row's `terms`, read out of
        line) beats reading every one of the `size` rows through the GIN bitmap and
        sorting them: only when the rows are a large share of the table."""
        docs = self._doc_count()
        if docs <= 0 or size <= 0:
            return False
        visited = needed * docs / size  # rows the walk tests before it has `needed`
        return visited * DETOAST_COST < size

    def _walk_size(self, needed: int) -> int:
        """The least number of rows for which `_dense` walks to read `needed` of them."""
        return math.isqrt(int(needed * self._doc_count() * DETOAST_COST)) + 1

    def _doc_count(self) -> float:
        """The planner's row count of the table (0 before its first ANALYZE: no walks)."""
        now = time.monotonic()
        if now - self._docs_at > 60:
            found = db.session.scalar(
                sql("SELECT reltuples FROM pg_class WHERE oid = CAST(:t AS regclass)"),
                {"t": _DOC},
            )
            self._docs = max(0.0, float(found or 0))  # -1: never analysed
            self._docs_at = now
        return self._docs

    def _tier_page(
        self,
        c: _Compiler,
        conds: list[str],
        groups: list[list[str]],
        skip: int,
        want: int,
        walk: int,
    ) -> list[int]:
        """One tier's rows `skip`..`skip+want` by closeness, then current first, then name.

        Each near group is its own branch (its keys join the tier's in one GIN scan, so it
        reads only its rows, and sorts them); everyone else is read only when the near
        groups do not fill the page, without the near groups' rows (a hashed `NOT IN` of
        them, read through the GIN index: `terms` is never tested row by row on a broad
        set), by `_ordered` (a walk of the btree on (`cur_order`, `sort`) for a broad
        tier, else the GIN bitmap and a top-N sort).
        """
        if not groups:
            return self._page(c, conds, "cur_order", skip, want, walk)
        clause = " AND ".join(conds)
        limit = int(skip + want)
        branches = []
        for i, members in enumerate(groups):
            near = [c.array("&&", members)]
            if i:
                closer = sorted({k for g in groups[:i] for k in g})
                near.append(
                    f"key NOT IN (SELECT key FROM {_DOC} WHERE {clause} "
                    f"AND {c.array('&&', closer)})"
                )
            branches.append(
                f"(SELECT key, {i} AS b, cur_order, sort FROM {_DOC} "
                f"WHERE {clause} AND {' AND '.join(near)} "
                f"ORDER BY {_order('cur_order', False)} LIMIT {limit})"
            )
        statement = (
            "SELECT key FROM (" + " UNION ALL ".join(branches) + ") page "
            f"ORDER BY b, cur_order, sort, key LIMIT {limit}"
        )
        keys = list(db.session.scalars(sql(statement), c.params))
        if len(keys) < limit:
            # Every near row is known (each branch returned fewer than its LIMIT).
            anyone = sorted({k for g in groups for k in g})
            rest = (
                f"{clause} AND key NOT IN (SELECT key FROM {_DOC} WHERE {clause} "
                f"AND {c.array('&&', anyone)})"
            )
            keys += self._ordered(c, rest, "cur_order", 0, limit - len(keys), walk)
        return keys[skip:limit]

    def _counts(
        self, q: Query, c: _Compiler, base: list[str], filt: dict[str, str]
    ) -> tuple[int, dict[str, dict[str, int]]]:
        """One grouped pass over the matches (non-facet filters applied in SQL).

        Groups are the distinct facet-value sets (with the region codes of the child
        level), two integers per row; their values are read from `search_set` afterwards.
        A group counts for a facet when it meets every facet filter but that facet's own,
        and for the total and the region facet when it meets them all.
        """
        facet_filters = {
            name: {f"{name}:{v}" for v in vals}
            for name, vals in q.filters.items()
            if name in q.facets
        }
        where = base + [s for name, s in filt.items() if name not in facet_filters]
        region = None
        level_col = "CAST(NULL AS integer)"
        if q.region_facet is not None:
            name, parent = q.region_facet
            length = next_region_length(parent)
            if length is not None:
                region = (f"{name}:{parent}", f"{name}:")
                level_col = f"rl{length}_id"
        # Hashed, not sorted: the groups are few, the rows many (a sort of 80,000 rows
        # cost twice the hash table under load); only for this statement.
        db.session.execute(sql("SELECT set_config('enable_sort', 'off', true)"))
        groups = db.session.execute(
            sql(
                f"SELECT fv_id, {level_col}, count(*) FROM {_DOC} "
                f"WHERE {' AND '.join(where)} GROUP BY 1, 2"
            ),
            c.params,
        ).all()
        db.session.execute(sql("SELECT set_config('enable_sort', 'on', true)"))
        ids = sorted({f for f, _r, _n in groups} | {r for _f, r, _n in groups if r is not None})
        known = {
            set_id: value
            for set_id, value in db.session.execute(
                sql("SELECT id, value FROM search_set WHERE id = ANY(CAST(:ids AS integer[]))"),
                {"ids": ids},
            )
        }
        rows = [(known[f], known[r] if r is not None else None, n) for f, r, n in groups]
        total = 0
        out: dict[str, dict[str, int]] = {f: defaultdict(int) for f in q.facets}
        if q.region_facet is not None:
            out["region"] = defaultdict(int)
        for fv, codes, n in rows:
            entries = fv.split()
            values = set(entries)
            missing = [f for f, want in facet_filters.items() if not values & want]
            if len(missing) > 1:
                continue
            for entry in entries:
                name, value = entry.split(":", 1)
                if name in out and (not missing or missing[0] == name):
                    out[name][value] += n
            if missing:
                continue
            total += n
            if region is not None and codes:
                wanted, strip = region
                for code in {e for e in codes.split() if e.startswith(wanted)}:
                    out["region"][code[len(strip) :]] += n
        return total, {k: dict(v) for k, v in out.items()}
