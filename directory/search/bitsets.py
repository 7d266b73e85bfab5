"""Matching, filtering, facet counting and paging with bitsets over a Whoosh searcher.

Whoosh keeps the postings; evaluating them document by document in Python (its
matchers and scorers) costs tens of milliseconds for common words at 100k people.
Here every posting list becomes one Python integer used as a bitset, cached per
searcher: AND/OR are single C operations and a facet count is `(a & b).bit_count()`.

Bit positions are *ranks in name (pinyin) order*, not document numbers, so the
lowest set bits of a result are its first page sorted by name. Relevance is by
tiers: people matched in their name or pinyin first, then in organisations and
positions, then in the bio; within a tier, by name.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from directory.search.query import NAME, ORG, And, Node, Prefix, Query, Term

# Pinyin prefixes up to this length are indexed as terms (`pfx`); longer ones expand
# over the full forms (`py`), which few documents share.
MAX_PREFIX = 8
# Filters indexed only as their parts: "reg" is "reg_cur" or "reg_past".
UNIONS = {"reg": ("reg_cur", "reg_past"), "org": ("org_cur", "org_past")}
CACHE_TERMS = 4096


def iter_bits(bits: int, skip: int = 0) -> Iterator[int]:
    """Positions of the set bits, lowest first, after skipping `skip` of them."""
    data = bits.to_bytes((bits.bit_length() + 7) // 8 or 1, "little")
    seen = 0
    for i, byte in enumerate(data):
        if not byte:
            continue
        n = byte.bit_count()
        if seen + n <= skip:
            seen += n
            continue
        for j in range(8):
            if byte >> j & 1:
                if seen >= skip:
                    yield i * 8 + j
                seen += 1


class BitIndex:
    """Rank-space bitsets for one searcher (rebuilt when the searcher is refreshed)."""

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
        self.all = (1 << len(order)) - 1
        self._cache: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._lock = threading.Lock()

    def term(self, field: str, text: str) -> int:
        """The bitset of documents holding `text` in `field` (cached, LRU)."""
        key = (field, text)
        with self._lock:
            bits = self._cache.get(key)
            if bits is not None:
                self._cache.move_to_end(key)
                return bits
        buf = bytearray((len(self.docnum_at) + 8) // 8)
        rank = self.rank
        reader = self.searcher.reader()
        if (field, text) in reader:
            for d in reader.postings(field, text).all_ids():
                r = rank[d]
                if r >= 0:
                    buf[r >> 3] |= 1 << (r & 7)
        bits = int.from_bytes(buf, "little")
        with self._lock:
            self._cache[key] = bits
            if len(self._cache) > CACHE_TERMS:
                self._cache.popitem(last=False)
        return bits

    def _expand(self, field: str, prefix: str) -> list[str]:
        raw = self.searcher.reader().expand_prefix(field, prefix)
        return [t.decode() if isinstance(t, bytes) else t for t in raw]

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

    def match(self, node: Node) -> int:
        """Evaluate the neutral tree."""
        if isinstance(node, Term):
            return self.term(node.field, node.value)
        if isinstance(node, Prefix):
            return self.prefix(node.value)
        parts = [self.match(n) for n in node.items]
        out = parts[0]
        for p in parts[1:]:
            out = out & p if isinstance(node, And) else out | p
        return out

    def _tier_terms(self, node: Node, fields: tuple[str, ...]) -> int:
        """Union of the documents matching any leaf of `node` in `fields`."""
        if isinstance(node, Term):
            return self.term(node.field, node.value) if node.field in fields else 0
        if isinstance(node, Prefix):
            return self.prefix(node.value) if "pinyin" in fields else 0
        out = 0
        for n in node.items:
            out |= self._tier_terms(n, fields)
        return out

    def search(self, q: Query) -> tuple[list[int], int, dict[str, dict[str, int]]]:
        """Keys of the page, total, and disjunctive facet counts."""
        matched = self.all if q.tree is None else self.match(q.tree) & self.all
        sets = {
            name: _union(self.filter(name, v) for v in vals) for name, vals in q.filters.items()
        }
        final = matched
        for bits in sets.values():
            final &= bits
        facets = self._facets(q, matched, sets)
        if q.tree is None or q.sort == "name":
            tiers = [final]
        else:
            names = final & self._tier_terms(q.tree, (NAME, "pinyin"))
            orgs = final & self._tier_terms(q.tree, (ORG,)) & ~names
            tiers = [names, orgs, final & ~names & ~orgs]
        start, want = (q.page - 1) * q.per_page, q.per_page
        ranks: list[int] = []
        for tier in tiers:
            n = tier.bit_count()
            if start >= n:
                start -= n
                continue
            for r in iter_bits(tier, start):
                ranks.append(r)
                if len(ranks) == want:
                    break
            start = 0
            if len(ranks) == want:
                break
        stored = self.searcher.stored_fields
        keys = [int(stored(self.docnum_at[r])["id"]) for r in ranks]
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


def _union(parts: Any) -> int:
    out = 0
    for p in parts:
        out |= p
    return out
