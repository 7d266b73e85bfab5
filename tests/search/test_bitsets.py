"""The bitset helpers of the Whoosh backend."""

from __future__ import annotations

from directory.search.bitsets import iter_bits


def test_iter_bits_yields_positions_in_order_with_skip() -> None:
    bits = (1 << 0) | (1 << 3) | (1 << 8) | (1 << 9) | (1 << 700)
    assert list(iter_bits(bits)) == [0, 3, 8, 9, 700]
    assert list(iter_bits(bits, skip=2)) == [8, 9, 700]
    assert list(iter_bits(bits, skip=5)) == []
    assert list(iter_bits(0)) == []
