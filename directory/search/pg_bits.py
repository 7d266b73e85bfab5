"""The PostgreSQL backend's read side: one document type's bitsets at one version of the
table (docs/SEARCH.md "Backends").

Searching is the Whoosh backend's: the same `bitsets.Bitsets` evaluates the query tree,
the filters, the facet counts and the page over Python integers whose bits are the
documents' ranks in name order, so both backends give the same answers by
construction. Each process keeps, per document type, the rank order (the keys by
`sort`) and an LRU of posting lists as bitsets, built at one *version* of the table
(`pg_backend` writes it): every search reads the version first (one primary-key
look-up); at another version the process drops its bitsets, or patches them for the
documents the writes since touched, and reads the rank order again only if a write may
have changed it (`order_version`). So a search sees every write committed before it
started, from any process. The posting lists a search needs and does not hold are read
in one statement (after one range scan of `search_form` when it has a pinyin prefix
longer than 8 letters); the facet values from `search_set`.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import text as sql

from directory.extensions import db
from directory.search.bitsets import UNIONS, Bitsets, to_bits
from directory.search.documents import DOC_TYPES
from directory.search.pg_staged import DOC as _DOC
from directory.search.query import Node, Prefix, Query, Term
from directory.search.results import next_region_length

# The `terms` mark of each field of the neutral tree and of `Bitsets` (Whoosh's names).
MARKS = {"names": "n", "org": "o", "orgp": "p", "body": "b", "pfx": "x", "py": "y", "f": "f"}
MAX_PREFIX = 8  # pinyin prefixes up to this length are keys (`x|`); longer ones expand
REGION_FIELDS = ("reg", "reg_cur", "reg_past")
LEVELS = (2, 4, 6, 9, 12)
# Filter fields kept in the facet set (`fv_id`) besides the type's facets.
SET_FIELDS = ("active",)
# Value sets read in one pass (`TableBits.set_pass`): the facet sets (kind 0), provinces and
# cities (the region sets of code length 2 and 4). Their values are held by many
# documents each: one GIN posting list of most of the table per value cost 250 ms in
# PostgreSQL and 100 ms in Python at 1,000,000 documents; the pass reads the narrow
# columns once for all of them. Counties and below stay GIN keys (few holders each).
PASS_KINDS = (0, 2, 4)
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
_VERSION = sql("SELECT version, order_version, history FROM search_version WHERE doc_type = :t")
# The changed documents' keys with the version, in one snapshot (`TableBits.patched`).
_CHANGED = sql(
    f"SELECT v.version, d.key, d.terms FROM search_version v LEFT JOIN {_DOC} d "
    "ON d.doc_type = v.doc_type AND d.key = ANY(CAST(:keys AS bigint[])) WHERE v.doc_type = :t"
)
# The rank of each document in the rank order, counted as `_ORDER` orders (the column's
# collation), with the version: for documents added since a process read its order.
_RANKS = sql(
    f"SELECT v.version, n.key, (SELECT count(*) FROM {_DOC} o WHERE o.doc_type = n.doc_type "
    "AND (o.sort, o.key) < (n.sort, n.key)) FROM search_version v "
    f"LEFT JOIN {_DOC} n ON n.doc_type = v.doc_type AND n.key = ANY(CAST(:keys AS bigint[])) "
    "WHERE v.doc_type = :t"
)
ADD_KEYS = 4  # more documents added since: the rank order is read again instead
# The versions and the rank order read in one statement (one snapshot).
_ORDER = sql(
    f"SELECT v.version, v.order_version, (SELECT array_agg(key ORDER BY sort, key) FROM {_DOC} "
    "WHERE doc_type = :t) FROM (SELECT 1) AS one "
    "LEFT JOIN search_version v ON v.doc_type = :t"
)
# `search_version.history` (migration 0025): the writes since the last one that removed
# or re-sorted a document (or a rebuild, a clear), oldest first, as `version:key,key,...`
# separated by spaces, each the version a write replaced and the keys it wrote; the
# oldest are dropped to keep at most PATCH_KEYS keys. A process whose bitsets are at one
# of those versions patches them for the keys written since (`TableBits.patched`)
# instead of reading them again.
PATCH_KEYS = 64
History = list[tuple[int, set[int]]]


def parse_history(text: str | None) -> History:
    """The entries of `search_version.history`, oldest first."""
    entries = []
    for entry in (text or "").split():
        version, _, keys = entry.partition(":")
        entries.append((int(version), {int(k) for k in keys.split(",")}))
    return entries


def next_history(history: str | None, replaced: int | None, keys: set[int] | None) -> str | None:
    """The history after a write of `keys` that removed and re-sorted no document.

    `replaced` is the version it replaces (None: a later part of the same transaction's
    write, whose keys join the newest entry; with no entry, the transaction's write
    removed or re-sorted a document, and still does). `keys` None: the write did, or
    there is no earlier version: the history starts again after it."""
    entries = parse_history(history)
    if keys is None or (replaced is None and not entries):
        return None
    if replaced is None:
        version, done = entries.pop()
        entries.append((version, done | keys))
    else:
        entries.append((replaced, keys))
    while sum(len(written) for _, written in entries) > PATCH_KEYS:
        entries.pop(0)
    text = " ".join(f"{v}:{','.join(map(str, sorted(ks)))}" for v, ks in entries)
    return text or None


def written_since(history: str | None, version: int) -> set[int] | None:
    """The keys written after `version`, if the history reaches back to it."""
    entries = parse_history(history)
    for i, (replaced, _keys) in enumerate(entries):
        if replaced == version:
            return set().union(*(written for _, written in entries[i:]))
    return None


def refresh(doc_type: str, held: TableBits | None) -> TableBits:
    """The bitsets of `doc_type` at the table's version: `held` if it is at that version.

    The version is read at the start of every search (in the search's session: its own
    uncommitted writes count), so a search sees every write committed before it, from
    any process. When the history reaches back to `held`'s version, `held` is patched
    for the documents written since (those added inserted in its rank order); else, with
    the same rank order, it keeps the order and reads its posting lists again; else the
    order is read again too. A set built from a later state than its version says (a
    write committed between the two reads) is only read again once more.
    """
    row = db.session.execute(_VERSION, {"t": doc_type}).one_or_none()
    version: tuple[int | None, int | None] = (row[0], row[1]) if row else (None, None)
    if held is not None and (held.version, held.order_version) == version:
        return held
    if held is not None and row is not None and held.version is not None:
        written = written_since(row[2], held.version)
        if written and (patched := held.patched(version, sorted(written))) is not None:
            return patched
    if held is not None and version[1] is not None and held.order_version == version[1]:
        return held.at(version)
    latest, order, keys = db.session.execute(_ORDER, {"t": doc_type}).one()
    return TableBits(doc_type, (latest, order), array("q", keys or []))


class TableBits(Bitsets):
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

    def at(self, version: tuple[int | None, int | None]) -> TableBits:
        """Bitsets at a later version that kept the rank order: the same order (and its
        index), none of the posting lists, forms or value sets read at this one."""
        return TableBits(self.doc_type, version, self.keys, self._rank)

    def patched(self, version: tuple[int | None, int | None], keys: list[int]) -> TableBits | None:
        """Bitsets at a later version, whose writes since wrote `keys` and removed or
        re-sorted none: the documents added since take their place in the rank order
        (`with_added`), a zero bit inserted there in every cached bitset; then each
        cached posting list gets the written documents' bits from their stored `terms` (a
        filter value's too: its `f|` key). The pinyin expansions are read again; the
        values of the facets are kept unless the documents hold one they lack. None when
        a version read with the documents is not `version` (a write meanwhile), or more
        than ADD_KEYS documents were added."""
        rows = db.session.execute(_CHANGED, {"t": self.doc_type, "keys": keys}).all()
        if not rows or rows[0][0] != version[0]:
            return None
        terms = {key: set(held) for _v, key, held in rows if key is not None}
        if len(terms) != len(set(keys)):
            return None
        added = [k for k, r in zip(terms, self.ranks_of(list(terms)), strict=True) if r < 0]
        new = self.with_added(version, added) if added else self.at(version)
        if new is None:
            return None
        inserted = sorted(new.ranks_of(added))
        ranks = dict(zip(terms, new.ranks_of(list(terms)), strict=True))
        with self._lock:
            entries = list(self._cache.items())
        for (field, text), bits in entries:
            mark = MARKS.get(field)
            if mark is None:  # `py*` unions and `values` lists
                continue
            key = f"{mark}|{text}"
            for rank in inserted:  # ascending: each at its place in the new order
                bits = bits & ((1 << rank) - 1) | (bits >> rank) << (rank + 1)
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

    def with_added(
        self, version: tuple[int | None, int | None], added: list[int]
    ) -> TableBits | None:
        """Bitsets at a later version whose writes added the documents `added` and removed
        or re-sorted none: this rank order with each inserted at its rank, counted in
        PostgreSQL (one pass over the type's rows per document); no posting list. None
        past ADD_KEYS documents or when the version read with the ranks is not `version`."""
        if len(added) > ADD_KEYS:
            return None
        rows = db.session.execute(_RANKS, {"t": self.doc_type, "keys": added}).all()
        if not rows or rows[0][0] != version[0]:
            return None
        places = sorted((rank, key) for _v, key, rank in rows if key is not None)
        if len(places) != len(set(added)):
            return None
        keys = array("q", self.keys)
        for rank, key in places:  # ascending: the documents before each are in place
            keys.insert(rank, key)
        return TableBits(self.doc_type, version, keys)

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
