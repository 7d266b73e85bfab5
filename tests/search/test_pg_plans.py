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
    {"region": "5107"},
    {"q": "委员", "region": "5107", "status": "current"},
    {"status": "former"},
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
    narrow = ("sort", "fv_id", "rl2_id", "rl4_id", "rl6_id", "rl9_id", "rl12_id", "digest")
    assert all(storage[c] == "p" for c in narrow)
    assert storage["terms"] == "x" and storage["pad"] == "m"


def test_broad_filters_on_the_narrow_columns_find_what_the_gin_index_finds(
    pg, directory, monkeypatch
) -> None:
    """`active`, `status`, provinces and cities are tested on the rows' value-set ids;
    as exact GIN keys (the way every other filter goes) they give the same pages."""
    viewer = directory.org_admin
    narrow = _pages(viewer, 2)
    monkeypatch.setattr(pg_backend, "BROAD_FIELDS", ())
    monkeypatch.setattr(pg_backend, "BROAD_REGION_LENGTHS", ())
    assert _pages(viewer, 2) == narrow
    assert any(total for _keys, total, _facets in narrow)


def test_value_sets_are_stored_once(backend_name, directory) -> None:
    """Every document's facet set and region sets are ids of `search_set` rows."""
    if backend_name != "postgres":
        pytest.skip("the PostgreSQL backend's table")
    with current_app.test_request_context():
        service.search_people(directory.org_admin, service.parse({"q": "委员"}))  # drains
        rows = db.session.execute(
            text(
                "SELECT f.value, r.value FROM search_document d "
                "JOIN search_set f ON f.id = d.fv_id AND f.kind = 0 "
                "LEFT JOIN search_set r ON r.id = d.rl4_id AND r.kind = 4 "
                "WHERE d.doc_type = 'person'"
            )
        ).all()
        sets = db.session.execute(text("SELECT kind, value FROM search_set")).all()
    assert rows and all("active:" in fv for fv, _codes in rows)
    assert any(codes and codes.startswith("reg") for _fv, codes in rows)
    assert len(sets) == len(set(sets))
