"""The PostgreSQL backend's table and its per-process bitsets (docs/SEARCH.md "Backends"):
each process's cached rank order and posting lists are read again once the table's
version changes, by a write of its own, of another process, or a rolled-back one. Only
when the tests run on PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import func, select, text

from directory.extensions import db
from directory.people.models import Person
from directory.search import bitsets, service
from directory.search.backends import get_backend
from directory.search.models import SearchOutbox
from directory.search.query import Query, build_tree
from tests.conftest import PG_URL
from tests.search.helpers import names

pytestmark = pytest.mark.skipif(not PG_URL, reason="PostgreSQL backend only")

QUERIES = [
    {"q": "委员"},
    {"q": "委员", "page": "2"},
    {"q": "团委", "status": "current"},
    {"q": "共青团顺庆区委", "status": "former"},
    {"q": "书记", "region": "51"},
    {"q": "z"},
    {"q": "zengguofan"},
    {"region": "51"},
    {"region": "51", "page": "2"},
    {"q": "委员", "sort": "name"},
    {"region": "5107"},
    {"q": "委员", "region": "5107", "status": "current"},
    {"status": "former"},
]

# Another process (another app server): adds a person, commits and indexes the change.
WRITER = textwrap.dedent(
    """
    import sys
    from directory import create_app
    from directory.config import TestConfig
    from directory.extensions import db
    from directory.people.models import Person
    from directory.search import sync

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = sys.argv[1]
        SEARCH_BACKEND = "postgres"
        SEARCH_AUTO_DRAIN = False

    app = create_app(Config)
    with app.app_context():
        db.session.add(Person(name="进程甲", email="writer@example.org"))
        db.session.commit()
        sync.drain()
    print("ok")
    """
)


@pytest.fixture
def pg(backend_name: str) -> None:
    if backend_name != "postgres":
        pytest.skip("the PostgreSQL backend")


def _pages(viewer, per_page: int) -> list[tuple[list[int], int, dict]]:
    out = []
    for args in QUERIES:
        with current_app.test_request_context():
            page = service.search_people(viewer, service.parse(args), per_page=per_page)
            out.append(([h.person.id for h in page.hits], page.total, page.facets))
    return out


def _version() -> int | None:
    return db.session.scalar(text("SELECT version FROM search_version WHERE doc_type = 'person'"))


def test_posting_lists_read_one_by_one_give_the_same_pages(pg, directory, monkeypatch) -> None:
    """A posting list the one-statement prefetch read, or one read alone (evicted from
    the LRU before use), give the same pages."""
    viewer = directory.org_admin
    prefetched = _pages(viewer, 2)
    monkeypatch.setattr(bitsets, "CACHE_TERMS", 0)  # every bitset evicted once stored
    get_backend()._bits.clear()  # type: ignore[attr-defined]
    assert _pages(viewer, 2) == prefetched
    assert any(keys for keys, _total, _facets in prefetched)


def test_the_value_set_pass_finds_what_the_gin_index_finds(pg, directory) -> None:
    """Facet values, provinces and cities read in one pass over the value sets give the
    same bitsets as their posting lists in the GIN index."""
    from directory.search.bitsets import to_bits
    from directory.search.pg_backend import PASS_KINDS, _postings

    with current_app.test_request_context():
        bits = get_backend().bits("person")  # type: ignore[attr-defined]
        bits.set_pass(list(PASS_KINDS))
        entries = [e for e in bits._expand("f", "") if bits.kind(e) in PASS_KINDS]
        assert {e.split(":")[0] for e in entries} >= {"status", "active", "reg_cur", "reg"}
        found = _postings("person", [f"f|{e}" for e in entries])
        for entry, keys in zip(entries, found, strict=True):
            assert bits.cached("f", entry) == to_bits(bits.ranks_of(keys), bits.size), entry
        assert any(bits.cached("f", e) for e in entries)


def test_own_write_is_seen_at_once(pg, directory) -> None:
    assert names(directory.cadre, q="进程") == []
    before = get_backend().bits("person")  # type: ignore[attr-defined]
    db.session.add(Person(name="进程乙", email="own@example.org"))
    db.session.commit()  # auto-drain: indexed in this process
    assert names(directory.cadre, q="进程") == ["进程乙"]
    after = get_backend().bits("person")  # type: ignore[attr-defined]
    assert after is not before and after.version == _version() != before.version


def test_another_process_write_is_seen_by_the_next_search(pg, directory) -> None:
    """The version is read by every search: a write committed by another process is seen
    by the next search here, with no wait."""
    assert names(directory.cadre, q="进程") == []  # this process's bitsets are warm
    before = get_backend().bits("person")  # type: ignore[attr-defined]
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", WRITER, url],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
    db.session.rollback()  # a fresh snapshot for the checks below
    # Indexed by the other process: nothing left for this one to drain.
    assert db.session.scalar(select(func.count()).select_from(SearchOutbox)) == 0
    assert _version() != before.version
    assert names(directory.cadre, q="进程") == ["进程甲"]


def test_a_rolled_back_write_leaves_no_stale_bitsets(pg, directory) -> None:
    """A search in the writing transaction sees its write; after the rollback the next
    search does not (the write's version, a transaction id, is never committed)."""
    backend = get_backend()
    q = Query(tree=build_tree("曾国藩")[0], per_page=5)
    with current_app.test_request_context():
        assert backend.search("person", q).keys == [directory.zeng.id]
        backend.apply("person", db.session, [], {directory.zeng.id})
        assert backend.search("person", q).keys == []
        db.session.rollback()
        assert backend.search("person", q).keys == [directory.zeng.id]


def test_rebuild_and_clear_change_the_version(pg, directory) -> None:
    from directory.search import sync

    first = _version()
    assert first is not None
    sync.reindex()
    second = _version()
    assert second not in (None, first)
    assert names(directory.cadre, q="曾国藩") == ["曾国藩"]
    get_backend().clear("person")
    db.session.rollback()
    assert _version() not in (None, first, second)
    assert get_backend().search("person", Query(tree=build_tree("曾国藩")[0])).keys == []


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


def test_value_sets_are_stored_once(pg, directory) -> None:
    """Every document's facet set and region sets are ids of `search_set` rows."""
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


def test_searches_see_the_old_set_until_the_rebuild_commits(pg, directory, monkeypatch) -> None:
    """A rebuild deletes and inserts every document in one transaction, its batches
    built ahead in a thread: searches on other connections answer from the old set
    until it commits, then from the new one."""
    from sqlalchemy.orm import Session

    from directory.search import sync

    monkeypatch.setattr(sync, "BATCH", 2)  # several batches
    viewer = directory.org_admin
    before = _pages(viewer, 3)
    version = _version()
    zeng = directory.zeng.id
    people = db.session.scalar(select(func.count(Person.id)))
    with Session(db.engine) as writing, Session(db.engine) as reading:
        # The new set lacks 曾国藩 (as if deleted without the outbox).
        batches = ([d for d in docs if d.key != zeng] for docs in sync._all_docs(reading, "person"))
        assert get_backend().rebuild("person", writing, batches) == people - 1
        db.session.rollback()  # a fresh snapshot: still the old set
        assert _version() == version
        assert _pages(viewer, 3) == before
        assert names(directory.cadre, q="曾国藩") == ["曾国藩"]
        writing.commit()
    db.session.rollback()
    assert _version() != version
    assert names(directory.cadre, q="曾国藩") == []
    assert names(directory.cadre, q="zhangtong") == ["张彤"]
