"""The PostgreSQL backend's two ways to read a page (docs/SEARCH.md "Backends"): a walk of
the ordering btree and the GIN bitmap with a top-N sort must give the same pages; its
narrow columns stay in the row. Only when the tests run on PostgreSQL."""

from __future__ import annotations

import pytest
from flask import current_app
from sqlalchemy import text

from directory.extensions import db
from directory.search import pg_backend, service
from tests.conftest import PG_URL

pytestmark = pytest.mark.skipif(not PG_URL, reason="PostgreSQL backend only")

QUERIES = [
    {"q": "委员"},
    {"q": "委员", "page": "2"},
    {"q": "团委", "status": "current"},
    {"q": "共青团顺庆区委", "status": "former"},
    {"q": "书记", "region": "51"},
    {"q": "z"},
    {"region": "51"},
    {"region": "51", "page": "2"},
    {"q": "委员", "sort": "name"},
]


@pytest.fixture
def pg(app_config: dict[str, object]) -> None:
    app_config["SEARCH_BACKEND"] = "postgres"


def _pages(viewer, per_page: int) -> list[tuple[list[int], int, dict]]:
    out = []
    for args in QUERIES:
        with current_app.test_request_context():
            page = service.search_people(viewer, service.parse(args), per_page=per_page)
            out.append(([h.person.id for h in page.hits], page.total, page.facets))
    return out


def test_walk_and_bitmap_give_the_same_pages(pg, directory, monkeypatch) -> None:
    viewer = directory.org_admin
    monkeypatch.setattr(pg_backend, "DETOAST_COST", 10**9)  # never walk
    bitmap = _pages(viewer, 2)
    monkeypatch.setattr(pg_backend, "DETOAST_COST", 0)  # walk whenever the tier allows
    monkeypatch.setattr(pg_backend, "FIRST_TEXT_TIER", 0)
    walked = _pages(viewer, 2)
    assert walked == bitmap
    assert any(keys for keys, _total, _facets in bitmap)


def test_a_walk_short_of_its_page_falls_back_to_the_bitmap(pg, directory, monkeypatch) -> None:
    """The walk's budget assumes an even spread; a page it cannot fill is read again."""
    viewer = directory.org_admin
    monkeypatch.setattr(pg_backend, "DETOAST_COST", 10**9)
    expected = _pages(viewer, 3)
    monkeypatch.setattr(pg_backend, "DETOAST_COST", 0)
    monkeypatch.setattr(pg_backend, "FIRST_TEXT_TIER", 0)
    # A table "ten million documents" large: every budget is short of the whole table.
    monkeypatch.setattr(pg_backend.PostgresBackend, "_doc_count", lambda self: 1e7)
    assert _pages(viewer, 3) == expected


def test_narrow_columns_stay_in_the_row(pg, directory) -> None:
    rows = db.session.execute(
        text(
            "SELECT attname, attstorage FROM pg_attribute "
            "WHERE attrelid = 'search_document'::regclass AND attnum > 0 AND NOT attisdropped"
        )
    ).all()
    storage = dict(rows)
    assert all(storage[c] == "p" for c in ("sort", "fv", "rl2", "rl4", "rl6", "rl9", "rl12"))
    assert storage["terms"] == "x"
