"""The bitset helpers of the Whoosh backend."""

from __future__ import annotations

import random

from directory.search.bitsets import BitIndex, iter_bits
from directory.search.query import And, Or, Term


def test_iter_bits_yields_positions_in_order_with_skip() -> None:
    bits = (1 << 0) | (1 << 3) | (1 << 8) | (1 << 9) | (1 << 700)
    assert list(iter_bits(bits)) == [0, 3, 8, 9, 700]
    assert list(iter_bits(bits, skip=2)) == [8, 9, 700]
    assert list(iter_bits(bits, skip=5)) == []
    assert list(iter_bits(0)) == []


def test_iter_bits_matches_a_plain_scan_on_sparse_and_dense_sets() -> None:
    rng = random.Random(3)
    for density in (0.0002, 0.01, 0.3, 0.9):
        positions = [i for i in range(20_000) if rng.random() < density]
        bits = sum(1 << i for i in positions)
        for skip in (0, 1, 7, 8, 9, len(positions) // 2, len(positions) - 1, len(positions)):
            assert list(iter_bits(bits, skip)) == positions[skip:]


def test_match_memo_gives_the_same_sets_as_without() -> None:
    leaves = {Term("names", "a"): 0b1011, Term("names", "b"): 0b0110, Term("names", "c"): 0b1100}

    class Stub(BitIndex):
        def __init__(self) -> None:  # no searcher: the leaves are given
            pass

        def term(self, field: str, text: str) -> int:
            return leaves[Term(field, text)]

    a, b, c = leaves
    shared = Or((a, And((b, c))))
    tiers = [shared, Or((shared, c)), And((Or((shared, c)), b))]
    index, memo = Stub(), {}
    assert [index.match(t, memo) for t in tiers] == [index.match(t) for t in tiers]
    assert id(shared) in memo
