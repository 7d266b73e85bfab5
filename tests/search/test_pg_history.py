"""`search_version.history` (pg_bits): which documents a process some writes behind must
patch. Pure functions: they run on either database."""

from __future__ import annotations

import pytest

from directory.search import pg_bits
from directory.search.pg_bits import next_history, parse_history, written_since


def test_each_write_adds_the_version_it_replaced_and_its_keys() -> None:
    history = next_history(None, 100, {7, 3})
    history = next_history(history, 105, {3})
    history = next_history(history, 110, {9})
    assert history == "100:3,7 105:3 110:9"
    assert written_since(history, 100) == {3, 7, 9}
    assert written_since(history, 105) == {3, 9}
    assert written_since(history, 110) == {9}
    assert written_since(history, 99) is None  # from before the history: read again


def test_a_transaction_writing_in_parts_joins_its_keys() -> None:
    history = next_history("100:3", 105, {4})
    assert next_history(history, None, {5, 3}) == "100:3 105:3,4,5"


def test_a_write_that_may_move_a_document_starts_the_history_again() -> None:
    assert next_history("100:3 105:4", 110, None) is None
    # A later part of a transaction whose first part moved a document: still none.
    assert next_history(None, None, {3}) is None
    # The next write after it starts a new history.
    assert parse_history(next_history(None, 115, {8})) == [(115, {8})]


def test_the_oldest_writes_go_past_the_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pg_bits, "PATCH_KEYS", 3)
    history = next_history("100:1,2", 105, {3})
    assert history == "100:1,2 105:3"
    history = next_history(history, 110, {4})
    assert history == "105:3 110:4"
    assert written_since(history, 100) is None
    assert next_history(history, 115, {5, 6, 7, 8}) is None  # one write past the bound
