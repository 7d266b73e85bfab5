"""Matching, filtering, facet counting and paging with bitsets, for both backends.

The backend keeps the postings (Whoosh's segments, PostgreSQL's GIN index); evaluating
them document by document (Whoosh's matchers and scorers, SQL's grouped passes) costs
tens of milliseconds for common words at 100k people. Here every posting list becomes
one Python integer used as a bitset, cached per process: AND/OR are single C operations
and a facet count is `(a & b).bit_count()`. `Bitsets` does the evaluating; a subclass
per backend reads the postings (`BitIndex` over a Whoosh searcher, `pg_bits.TableBits`
over the table).

Bit positions are *ranks in name (pinyin) order*, not document numbers, so the
lowest set bits of a result are its first page sorted by name. Relevance splits the
matches into buckets (tier, closeness to the viewer, current before former, see
`Query`); each bucket's lowest bits are its people in name order.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any

from directory.search.query import And, Node, Prefix, Query, Term

# Pinyin prefixes up to this length are indexed as terms (`pfx`); longer ones expand
# over the full forms (`py`), which few documents share.
MAX_PREFIX = 8
# Filters indexed only as their parts: "reg" is "reg_cur" or "reg_past".
UNIONS = {"reg": ("reg_cur", "reg_past"), "org": ("org_cur", "org_past")}
CACHE_TERMS = 4096
_NONZERO = re.compile(rb"[^\x00]+")


def iter_bits(bits: int, skip: int = 0) -> Iterator[int]:
    """Positions of the set bits, lowest first, after skipping `skip` of them.

    Runs of zero bytes are skipped by the regex engine (in C): a sparse bucket at the
    far end of the name order costs microseconds, not a Python pass over every byte.
    """
    data = bits.to_bytes((bits.bit_length() + 7) // 8 or 1, "little")
    seen = 0
    for run in _NONZERO.finditer(data):
        chunk = run.group()
        if seen < skip:
            n = int.from_bytes(chunk, "little").bit_count()
            if seen + n <= skip:
                seen += n
                continue
        base = run.start() * 8
        for i, byte in enumerate(chunk):
            n = byte.bit_count()
            if seen + n <= skip:
                seen += n
                continue
            for j in range(8):
                if byte >> j & 1:
                    if seen >= skip:
                        yield base + i * 8 + j
                    seen += 1


def to_bits(ranks: Iterable[int], size: int) -> int:
    """The bitset of the ranks (each `0 <= r < size`; negative ranks are skipped)."""
    buf = bytearray((size + 8) // 8)
    for r in ranks:
        if r >= 0:
            buf[r >> 3] |= 1 << (r & 7)
    return int.from_bytes(buf, "little")


class Bitsets:
    """Rank-space bitsets over a store of postings: matching, facets and the page.

    A subclass says where the postings come from (`_ranks`, `_expand`) and which key a
    rank is (`key_at`); `term` caches each posting list as a bitset (LRU, CACHE_TERMS).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.all = (1 << size) - 1
        self._cache: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._lock = threading.Lock()

    def _ranks(self, field: str, text: str) -> Iterable[int]:
        """The ranks of the documents holding `text` in `field`."""
        raise NotImplementedError

    def _expand(self, field: str, prefix: str) -> list[str]:
        """The terms of `field` starting with `prefix`."""
        raise NotImplementedError

    def key_at(self, rank: int) -> int:
        """The document key at a rank."""
        raise NotImplementedError

    def cached(self, field: str, text: str) -> int | None:
        with self._lock:
            bits = self._cache.get((field, text))
            if bits is not None:
                self._cache.move_to_end((field, text))
            return bits

    def store(self, field: str, text: str, bits: int) -> None:
        with self._lock:
            self._cache[(field, text)] = bits
            if len(self._cache) > CACHE_TERMS:
                self._cache.popitem(last=False)

    def term(self, field: str, text: str) -> int:
        """The bitset of documents holding `text` in `field` (cached, LRU)."""
        bits = self.cached(field, text)
        if bits is None:
            bits = to_bits(self._ranks(field, text), self.size)
            self.store(field, text, bits)
        return bits

    def filter(self, name: str, value: str) -> int:
        """Documents with filter `name` = `value` (union fields combine their parts)."""
        parts = UNIONS.get(name, (name,))
        return _union(self.term("f", f"{p}:{value}") for p in parts)

    def prefix(self, value: str) -> int:
        """Documents with a pinyin form starting with `value`."""
        if len(value) <= MAX_PREFIX:
            return self.term("pfx", value)
        key = ("py*", value)
        with self._lock:
            if key in self._cache:
                return self._cache[key]
        bits = _union(self.term("py", t) for t in self._expand("py", value))
        with self._lock:
            self._cache[key] = bits
        return bits

    def values(self, name: str, prefix: str) -> list[str]:
        """Values of filter `name` starting with `prefix` (cached)."""
        key = ("values", f"{name}:{prefix}")
        with self._lock:
            if key in self._cache:
                return self._cache[key]  # type: ignore[return-value]  # "values" keys cache lists, not bitsets
        found: set[str] = set()
        for part in UNIONS.get(name, (name,)):
            found.update(t.split(":", 1)[1] for t in self._expand("f", f"{part}:{prefix}"))
        values = sorted(found)
        with self._lock:
            self._cache[key] = values  # type: ignore[assignment]  # one LRU for bitsets and value lists
        return values

    def match(self, node: Node, memo: dict[int, int] | None = None) -> int:
        """Evaluate the neutral tree.

        `memo` keeps the value of every inner node of one search by identity (the
        cumulative ranking tiers share the node objects of the tiers before them; hashing
        the frozen dataclasses would walk their whole subtrees).
        """
        if isinstance(node, Term):
            return self.term(node.field, node.value)
        if isinstance(node, Prefix):
            return self.prefix(node.value)
        if memo is not None and id(node) in memo:
            return memo[id(node)]
        parts = [self.match(n, memo) for n in node.items]
        out = parts[0] if parts else 0
        for p in parts[1:]:
            out = out & p if isinstance(node, And) else out | p
        if memo is not None:
            memo[id(node)] = out
        return out

    def buckets(self, q: Query, final: int, memo: dict[int, int] | None = None) -> Iterator[int]:
        """The matches split in ranking order: tier, closeness to the viewer, current first.

        Lazily: a page near the top only evaluates the first buckets.
        """
        if q.tree is None or q.sort == "name" or not q.tiers:
            yield final
            return
        near: list[int] = []
        seen = 0
        for group in q.near:
            bits = _union(self.filter(n, v) for n, vals in group.items() for v in vals) & ~seen
            seen |= bits
            near.append(bits)
        near.append(~seen)
        current = self.filter("status", "current")
        done = 0
        for tier in q.tiers:
            if not final & ~done:
                return
            hits = final & self.match(tier, memo) & ~done
            done |= hits
            for bits in near:
                part = hits & bits
                if part:
                    yield part & current
                    yield part & ~current

    def search(self, q: Query) -> tuple[list[int], int, dict[str, dict[str, int]]]:
        """Keys of the page, total, and disjunctive facet counts."""
        memo: dict[int, int] = {}
        matched = self.all if q.tree is None else self.match(q.tree, memo) & self.all
        sets = {
            name: _union(self.filter(name, v) for v in vals) for name, vals in q.filters.items()
        }
        final = matched
        for bits in sets.values():
            final &= bits
        facets = self._facets(q, matched, sets)
        start, want = (q.page - 1) * q.per_page, q.per_page
        ranks: list[int] = []
        for bucket in self.buckets(q, final, memo):
            n = bucket.bit_count()
            if start >= n:
                start -= n
                continue
            for r in iter_bits(bucket, start):
                ranks.append(r)
                if len(ranks) == want:
                    break
            start = 0
            if len(ranks) == want:
                break
        keys = [self.key_at(r) for r in ranks]
        return keys, final.bit_count(), facets

    def _facets(self, q: Query, matched: int, sets: dict[str, int]) -> dict[str, dict[str, int]]:
        from directory.search.results import next_region_length

        out: dict[str, dict[str, int]] = {}
        wanted = [(f, f, "") for f in q.facets]
        if q.region_facet is not None:
            name, parent = q.region_facet
            wanted.append(("region", name, parent))
        for label, name, prefix in wanted:
            base = matched
            for other, bits in sets.items():
                if other != name or label == "region":
                    base &= bits
            length = next_region_length(prefix) if label == "region" else None
            counts: dict[str, int] = {}
            if base:
                for value in self.values(name, prefix):
                    if length is not None and len(value) != length:
                        continue
                    n = (base & self.filter(name, value)).bit_count()
                    if n:
                        counts[value] = n
            out[label] = counts
        return out


class BitIndex(Bitsets):
    """Rank-space bitsets for one Whoosh searcher (rebuilt when the searcher is refreshed)."""

    def __init__(self, searcher: Any) -> None:
        self.searcher = searcher
        reader = searcher.reader()
        total = reader.doc_count_all()
        column = reader.column_reader("sort")
        live = [d for d in range(total) if not reader.is_deleted(d)]
        order = sorted(live, key=lambda d: column[d])
        self.docnum_at = order
        self.rank = [-1] * total
        for r, d in enumerate(order):
            self.rank[d] = r
        super().__init__(len(order))

    def _ranks(self, field: str, text: str) -> Iterable[int]:
        reader = self.searcher.reader()
        if (field, text) not in reader:
            return []
        rank = self.rank
        return (rank[d] for d in reader.postings(field, text).all_ids())

    def _expand(self, field: str, prefix: str) -> list[str]:
        raw = self.searcher.reader().expand_prefix(field, prefix)
        return [t.decode() if isinstance(t, bytes) else t for t in raw]

    def key_at(self, rank: int) -> int:
        return int(self.searcher.stored_fields(self.docnum_at[rank])["id"])


def _union(parts: Any) -> int:
    out = 0
    for p in parts:
        out |= p
    return out
