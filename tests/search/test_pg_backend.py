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
from tests.unit.test_migrations import empty_url  # noqa: F401  (fixture)

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
    from directory.search.pg_bits import PASS_KINDS, _postings

    with current_app.test_request_context():
        bits = get_backend().bits("person")  # type: ignore[attr-defined]
        bits.set_pass(list(PASS_KINDS))
        entries = [e for e in bits._expand("f", "") if bits.kind(e) in PASS_KINDS]
        assert {e.split(":")[0] for e in entries} >= {"status", "active", "reg_cur", "reg"}
        found = _postings("person", [f"f|{e}" for e in entries])
        for entry, keys in zip(entries, found, strict=True):
            assert bits.cached("f", entry) == to_bits(bits.ranks_of(keys), bits.size), entry
        assert any(bits.cached("f", e) for e in entries)


def _table_order() -> list[int]:
    """The person keys in the rank order, as the table sorts them."""
    return list(
        db.session.scalars(
            text("SELECT key FROM search_document WHERE doc_type = 'person' ORDER BY sort, key")
        )
    )


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


def test_a_write_that_keeps_the_order_keeps_the_rank_order(pg, directory) -> None:
    """A profile edit that leaves every document's place (its sort) as it was keeps the
    process's rank order (the same array, not read again; its posting lists are patched,
    see the next tests); a rename or a removal makes the next search read the order
    again, a new person takes a place in it. The answers are right either way."""
    backend = get_backend()
    zeng = db.session.get(Person, directory.zeng.id)
    assert names(directory.cadre, q="曾国藩") == ["曾国藩"]  # warm
    before = backend.bits("person")  # type: ignore[attr-defined]
    zeng.bio = "湘军统帅"
    db.session.commit()  # auto-drain: an edit, the same sort
    assert names(directory.cadre, q="湘军") == ["曾国藩"]
    kept = backend.bits("person")  # type: ignore[attr-defined]
    assert kept.version != before.version and kept.order_version == before.order_version
    assert kept.keys is before.keys  # the rank order was not read again
    assert kept.cached("body", "湘军") is not None and before.cached("body", "湘军") is None

    zeng.name = "曾涤生"  # another sort: another place in the order
    db.session.commit()
    assert names(directory.cadre, q="曾涤生") == ["曾涤生"]
    renamed = backend.bits("person")  # type: ignore[attr-defined]
    assert renamed.order_version not in (None, kept.order_version)
    assert renamed.keys is not kept.keys
    order = [backend.bits("person").key_at(r) for r in range(renamed.size)]  # type: ignore[attr-defined]
    assert order == _table_order()

    db.session.add(Person(name="进程丙", email="third@example.org"))
    db.session.commit()
    assert names(directory.cadre, q="进程") == ["进程丙"]
    added = backend.bits("person")  # type: ignore[attr-defined]
    assert added.order_version != renamed.order_version and added.size == renamed.size + 1


def _assert_carried_equal_the_table(bits, least: int) -> None:
    """Every posting list `bits` carried over equals the table's, read now."""
    from directory.search.bitsets import to_bits
    from directory.search.pg_bits import MARKS, _postings

    carried = [(f, t) for f, t in list(bits._cache) if f in MARKS]
    assert len(carried) >= least
    for field, value in carried:
        held = _postings("person", [f"{MARKS[field]}|{value}"])[0]
        assert bits.cached(field, value) == to_bits(bits.ranks_of(held), bits.size)


def _assert_pages_equal_a_fresh_process(viewer) -> None:
    """This process's pages equal those of a process starting afresh (no bitsets)."""
    pages = _pages(viewer, 3)
    get_backend()._bits.clear()  # type: ignore[attr-defined]
    assert _pages(viewer, 3) == pages


def test_a_process_a_few_writes_behind_patches_its_bitsets(pg, directory) -> None:
    """After three writes that moved nothing (a bio, a facet value, another person's
    bio; each its own transaction), a process whose bitsets are from before all three
    keeps its posting lists and facet sets, patched for the written documents from their
    stored terms: each equals what the table holds now, and the pages equal those of a
    process starting afresh."""
    from directory.core.enums import PoliticalStatus

    backend = get_backend()
    viewer = directory.org_admin
    _pages(viewer, 3)  # warm: posting lists, the facet values' set pass
    warm = backend.bits("person")  # type: ignore[attr-defined]
    zeng = db.session.get(Person, directory.zeng.id)
    zeng.bio = "湘军统帅"
    db.session.commit()  # auto-drain: one write, nothing moved
    zeng.political_status = (
        PoliticalStatus.MASSES
        if zeng.political_status != PoliticalStatus.MASSES
        else PoliticalStatus.PARTY
    )
    db.session.commit()
    cadre = db.session.get(Person, directory.cadre.id)
    cadre.bio = "湘军后人"
    db.session.commit()
    patched = backend.bits("person")  # type: ignore[attr-defined]
    assert patched.keys is warm.keys and patched.version != warm.version
    assert patched._passed == warm._passed
    _assert_carried_equal_the_table(patched, least=10)
    assert sorted(names(directory.cadre, q="湘军")) == sorted([zeng.name, cadre.name])
    _assert_pages_equal_a_fresh_process(viewer)


def test_a_process_behind_the_history_reads_its_posting_lists_again(
    pg, directory, monkeypatch
) -> None:
    """The history keeps the last writes up to PATCH_KEYS keys: a process from before
    them keeps its rank order and reads its posting lists again."""
    from directory.search import pg_bits

    monkeypatch.setattr(pg_bits, "PATCH_KEYS", 1)
    backend = get_backend()
    _pages(directory.org_admin, 3)
    warm = backend.bits("person")  # type: ignore[attr-defined]
    for person, bio in ((directory.zeng, "湘军统帅"), (directory.cadre, "湘军后人")):
        db.session.get(Person, person.id).bio = bio
        db.session.commit()
    history = db.session.scalar(
        text("SELECT history FROM search_version WHERE doc_type = 'person'")
    )
    assert len(pg_bits.parse_history(history)) == 1  # the older write was dropped
    later = backend.bits("person")  # type: ignore[attr-defined]
    assert later.keys is warm.keys and not later._cache
    assert len(names(directory.cadre, q="湘军")) == 2


def test_a_process_behind_new_people_puts_them_in_its_rank_order(pg, directory) -> None:
    """People added since (each their own write; sorting first, in the middle and last)
    take their places in a process's rank order, and a zero bit in each of its bitsets
    before their own are set: the order equals the table's, every carried posting list
    equals the table's, and the pages equal those of a process starting afresh."""
    backend = get_backend()
    viewer = directory.org_admin
    _pages(viewer, 3)
    warm = backend.bits("person")  # type: ignore[attr-defined]
    for i, name in enumerate(("阿甲", "李委员", "左乙")):
        db.session.add(Person(name=name, email=f"added-{i}@example.org"))
        db.session.commit()  # auto-drain: each its own write
    patched = backend.bits("person")  # type: ignore[attr-defined]
    assert patched.size == warm.size + 3 and patched._passed == warm._passed
    assert list(patched.keys) == _table_order()
    _assert_carried_equal_the_table(patched, least=10)
    assert names(directory.cadre, q="阿甲") == ["阿甲"]
    _assert_pages_equal_a_fresh_process(viewer)


def test_more_new_people_than_a_patch_takes_read_the_order_again(
    pg, directory, monkeypatch
) -> None:
    """Past ADD_KEYS people added since, a process reads its rank order again."""
    from directory.search import pg_bits

    monkeypatch.setattr(pg_bits, "ADD_KEYS", 1)
    backend = get_backend()
    _pages(directory.org_admin, 3)
    warm = backend.bits("person")  # type: ignore[attr-defined]
    for i in range(2):
        db.session.add(Person(name=f"新人{i}", email=f"new-{i}@example.org"))
        db.session.commit()
    later = backend.bits("person")  # type: ignore[attr-defined]
    assert later.keys is not warm.keys and not later._cache
    assert list(later.keys) == _table_order()


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


# The catalogue of `search_document`: what a rebuild's swap must leave as a migration made
# it (column order without dropped columns; names of constraints and indexes included).
SCHEMA = [
    "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attstorage, "
    "a.attcompression, c.collname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a "
    "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
    "LEFT JOIN pg_collation c ON c.oid = a.attcollation "
    "WHERE a.attrelid = 'search_document'::regclass AND a.attnum > 0 AND NOT a.attisdropped "
    "ORDER BY a.attnum",
    "SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint "
    "WHERE conrelid = 'search_document'::regclass ORDER BY conname",
    "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid), indisprimary, indisunique "
    "FROM pg_index WHERE indrelid = 'search_document'::regclass ORDER BY 1",
    "SELECT c.relname, c.relnamespace::regnamespace::text, c.reloptions, c.relpersistence, "
    "c.relkind, pg_get_userbyid(c.relowner), c.relacl::text, obj_description(c.oid, 'pg_class'), "
    "t.reloptions FROM pg_class c LEFT JOIN pg_class t ON t.oid = c.reltoastrelid "
    "WHERE c.oid = 'search_document'::regclass",
    "SELECT tgname FROM pg_trigger WHERE tgrelid = 'search_document'::regclass ORDER BY 1",
    "SELECT relname FROM pg_class WHERE relname LIKE 'search_document%' AND relkind IN ('r', 'i') "
    "ORDER BY 1",
]


def _schema(conn) -> list[list[tuple]]:  # type: ignore[no-untyped-def]
    return [[tuple(r) for r in conn.execute(text(q))] for q in SCHEMA]


def _oid() -> int:
    oid = db.session.scalar(text("SELECT 'search_document'::regclass::oid"))
    db.session.rollback()  # holds no lock on the table any more
    return int(oid)


def _rows() -> list[tuple]:
    rows = db.session.execute(
        text(
            "SELECT doc_type, key, terms, sort, fv_id, rl2_id, rl4_id, rl6_id, rl9_id, rl12_id, "
            "digest, pad FROM search_document ORDER BY doc_type, key"
        )
    ).all()
    forms = db.session.execute(text("SELECT * FROM search_form ORDER BY 1, 2")).all()
    db.session.rollback()
    return [tuple(r) for r in rows] + [tuple(r) for r in forms]


def test_a_rebuild_swaps_in_a_table_loaded_beside_the_live_one(pg, directory) -> None:
    """The new set is loaded into a table of its own that only the rebuild's transaction
    sees; at its commit that table, with the live table's indexes and names, takes the
    live table's place (a new table: its OID changes) holding the same rows."""
    from sqlalchemy.orm import Session

    from directory.search import sync

    viewer = directory.org_admin
    before, rows, oid = _pages(viewer, 3), _rows(), _oid()
    with db.engine.connect() as conn:
        schema = _schema(conn)
    with Session(db.engine) as writing, Session(db.engine) as reading:
        count = get_backend().rebuild("person", writing, sync._all_docs(reading, "person"))
        assert count == db.session.scalar(select(func.count(Person.id)))
        with db.engine.connect() as other:  # the staged table is the transaction's own
            assert other.scalar(text("SELECT to_regclass('search_document_new_person')")) is None
            assert other.scalar(text("SELECT 'search_document'::regclass::oid")) == oid
        assert _pages(viewer, 3) == before
        db.session.rollback()
        writing.commit()
    assert _oid() != oid
    assert _rows() == rows
    assert _pages(viewer, 3) == before
    with db.engine.connect() as conn:
        assert _schema(conn) == schema


def test_a_busy_table_gets_the_new_rows_copied_in(pg, directory, monkeypatch) -> None:
    """A reader that keeps the live table (a long transaction) past SEARCH_SWAP_WAIT: the
    commit copies the new rows into the live table instead, with the same result."""
    from directory.search import sync

    monkeypatch.setitem(current_app.config, "SEARCH_SWAP_WAIT", 0.2)
    viewer = directory.org_admin
    before, rows, oid = _pages(viewer, 3), _rows(), _oid()
    with db.engine.connect() as reader:
        reader.execute(text("SELECT count(*) FROM search_document"))  # holds it until rollback
        assert sync.reindex()["person"] == db.session.scalar(select(func.count(Person.id)))
        db.session.rollback()
        reader.rollback()
    assert _oid() == oid
    assert _rows() == rows
    assert _pages(viewer, 3) == before
    assert db.session.scalar(text("SELECT to_regclass('search_document_new_person')")) is None


def test_other_types_rows_are_carried_or_kept(pg, directory, monkeypatch) -> None:
    """A type's rebuild keeps every other type's rows: carried into the swapped-in table,
    or, when the other types hold more rows than it (and than SWAP_CARRY), left where
    they are while the type's rows are replaced in place."""
    from directory.search import pg_backend, sync

    people = db.session.scalar(select(func.count(Person.id)))
    other = (
        "INSERT INTO search_document (doc_type, key, terms, sort, digest) "
        "SELECT 'other', g, ARRAY['n|x' || g], 'x' || g, 'd' || g FROM generate_series(1, :n) g"
    )
    db.session.execute(text(other), {"n": 3})
    db.session.commit()
    count_other = "SELECT count(*) FROM search_document WHERE doc_type = 'other'"
    before, oid = _pages(directory.org_admin, 3), _oid()
    sync.reindex()
    assert _oid() != oid  # swapped in, the 3 rows carried
    assert db.session.scalar(text(count_other)) == 3
    assert _pages(directory.org_admin, 3) == before
    db.session.execute(text("DELETE FROM search_document WHERE doc_type = 'other'"))
    db.session.execute(text(other), {"n": people + 1})
    db.session.commit()
    monkeypatch.setattr(pg_backend, "SWAP_CARRY", 0)
    oid = _oid()
    sync.reindex()
    assert _oid() == oid  # in place
    assert db.session.scalar(text(count_other)) == people + 1
    assert _pages(directory.org_admin, 3) == before


def test_a_failed_swap_leaves_the_old_table(pg, directory, monkeypatch) -> None:
    """The commit fails after the swap (here: right after it): the transaction rolls back
    whole, the old table answers as before, the lock is free for the next reindex."""
    from directory.search import pg_staged, sync

    swap = pg_staged.StagedTable.swap

    def failing_swap(self, session, wait):  # type: ignore[no-untyped-def]
        swap(self, session, wait)
        raise RuntimeError("the disk is full")

    viewer = directory.org_admin
    before, rows, oid = _pages(viewer, 3), _rows(), _oid()
    monkeypatch.setattr(pg_staged.StagedTable, "swap", failing_swap)
    with pytest.raises(RuntimeError, match="disk is full"):
        sync.reindex()
    monkeypatch.setattr(pg_staged.StagedTable, "swap", swap)
    assert _oid() == oid
    assert _rows() == rows
    assert _pages(viewer, 3) == before
    assert sync.reindex()["person"] == db.session.scalar(select(func.count(Person.id)))
    assert _oid() != oid
    assert _pages(viewer, 3) == before


def test_a_swapped_table_is_the_migrated_one(empty_url: str, tmp_path: Path) -> None:  # noqa: F811
    """Upgrade an empty database, index it, reindex: the catalogue of `search_document`
    (columns, storage, defaults, constraints, indexes, options, owner, grants) is the
    migration's, the models still match it, and the migrations still downgrade it."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from flask_migrate import downgrade, upgrade

    from directory import create_app
    from directory.config import TestConfig
    from directory.core.sql import include_object_for
    from directory.search import sync

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = empty_url
        SEARCH_INDEX_DIR = str(tmp_path / "index")
        SEARCH_BACKEND = "postgres"

    app = create_app(Config)
    with app.app_context():
        upgrade()
        with db.engine.begin() as conn:
            conn.execute(text("GRANT SELECT ON search_document TO PUBLIC"))
        db.session.add(Person(name="曾国藩", email="zeng@example.org"))
        db.session.commit()
        with db.engine.connect() as conn:
            migrated = _schema(conn)
            oid = conn.scalar(text("SELECT 'search_document'::regclass::oid"))
        assert sync.reindex()["person"] == 1
        with db.engine.connect() as conn:
            assert conn.scalar(text("SELECT 'search_document'::regclass::oid")) != oid
            assert _schema(conn) == migrated
            opts = {"include_object": include_object_for(conn.dialect.name)}
            diff = compare_metadata(MigrationContext.configure(conn, opts=opts), db.metadata)
            assert conn.scalar(text("SELECT count(*) FROM search_document")) == 1
        assert diff == []
        db.session.remove()
        downgrade(revision="base")
        db.engine.dispose()


def test_a_writer_of_another_type_never_waits_for_a_rebuild(pg, directory) -> None:
    """A rebuild adds value sets that a writer of another type needs at the same moment:
    the sets are committed as the rebuild adds them, so the writer goes on at once (it
    used to wait for the rebuild's transaction, which at its commit waited for the
    writer's hold on `search_document`: a deadlock PostgreSQL broke by failing one)."""
    import threading

    from sqlalchemy.orm import Session

    from directory.search.documents import Doc

    backend = get_backend()
    region = {"reg": ["5199"], "reg_cur": ["519901"]}  # value sets nobody holds yet
    new = Doc(key=990_001, names=["新人"], pinyin=[], org_text="", body="", filters=region)
    other = Doc(key=7, names=["他型"], pinyin=[], org_text="", body="", filters=region)
    done: list[str] = []
    app = current_app._get_current_object()

    def write_other_type() -> None:
        with app.app_context(), Session(db.engine) as session:
            # A delete first: the writer holds `search_document` while it adds the sets.
            backend.apply("other", session, [other], {8})
            session.commit()
        done.append("written")

    with Session(db.engine) as rebuilding:
        assert backend.rebuild("person", rebuilding, [[new]]) == 1
        writer = threading.Thread(target=write_other_type)
        writer.start()
        writer.join(timeout=10)
        waited = writer.is_alive()
        if waited:
            rebuilding.rollback()  # let it go on, then fail
            writer.join()
        assert not waited, "the writer of another type waited for the rebuild"
        rebuilding.commit()
    assert done == ["written"]
    rows = db.session.execute(
        text("SELECT doc_type, key FROM search_document ORDER BY doc_type, key")
    ).all()
    assert [tuple(r) for r in rows] == [("other", 7), ("person", 990_001)]
    sets = db.session.scalars(
        text("SELECT count(DISTINCT id) FROM search_set WHERE value LIKE '%5199%'")
    ).one()
    assert sets == 2  # each set once: (4, reg:5199) and (6, reg_cur:519901)


def test_a_swap_keeps_an_owner_other_than_the_connecting_user(pg, directory) -> None:
    """Deployed, the tables may belong to a migration role while the app connects as
    another: the swapped-in table goes to the live table's owner, with its grants."""
    import uuid

    from directory.search import sync

    owner = f"search_owner_{uuid.uuid4().hex[:12]}"
    with db.engine.begin() as conn:
        conn.execute(text(f"CREATE ROLE {owner} NOLOGIN"))
        conn.execute(text(f"ALTER TABLE search_document OWNER TO {owner}"))
        conn.execute(text(f"GRANT SELECT ON search_document TO {owner}"))
    try:
        oid = _oid()
        assert sync.reindex()["person"] == db.session.scalar(select(func.count(Person.id)))
        db.session.rollback()
        assert _oid() != oid  # swapped in
        with db.engine.connect() as conn:
            assert (
                conn.scalar(
                    text("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE oid = :o"),
                    {"o": _oid()},
                )
                == owner
            )
        assert names(directory.cadre, q="曾国藩") == ["曾国藩"]
    finally:
        db.session.rollback()
        with db.engine.begin() as conn:
            conn.execute(text("ALTER TABLE search_document OWNER TO CURRENT_USER"))
            conn.execute(text(f"DROP OWNED BY {owner}"))
            conn.execute(text(f"DROP ROLE {owner}"))


def test_readers_go_on_while_the_swap_waits_for_the_table(pg, directory, monkeypatch) -> None:
    """A reader holds the live table when the swap starts: the swap asks for the lock in
    short attempts, so readers arriving meanwhile are held up for one attempt at most
    (one request waiting the whole time queued every new reader behind it), and the
    swap still happens once the first reader lets go."""
    import threading
    import time

    from directory.search import pg_staged, sync

    monkeypatch.setitem(current_app.config, "SEARCH_SWAP_WAIT", 5.0)
    app = current_app._get_current_object()
    swapping = threading.Event()
    swap = pg_staged.StagedTable.swap

    def signalling_swap(self, session, wait):  # type: ignore[no-untyped-def]
        swapping.set()
        swap(self, session, wait)

    monkeypatch.setattr(pg_staged.StagedTable, "swap", signalling_swap)
    reads: list[bool] = []

    def read_meanwhile() -> None:
        swapping.wait(timeout=60)
        with app.app_context(), db.engine.connect() as conn:
            end = time.monotonic() + 0.8
            while time.monotonic() < end:
                try:  # held up longer than 0.5 s: failed
                    conn.execute(text("SET LOCAL lock_timeout = '500ms'"))
                    conn.execute(text("SELECT key FROM search_document LIMIT 1"))
                    reads.append(True)
                except Exception:
                    reads.append(False)
                conn.rollback()
                time.sleep(0.05)

    oid = _oid()
    with db.engine.connect() as holder:
        holder.execute(text("SELECT count(*) FROM search_document"))  # holds it
        release = threading.Timer(1.2, holder.rollback)
        reader = threading.Thread(target=read_meanwhile)
        swapping_started = threading.Thread(target=lambda: swapping.wait(60) and release.start())
        reader.start()
        swapping_started.start()
        assert sync.reindex()["person"] == db.session.scalar(select(func.count(Person.id)))
        reader.join()
        swapping_started.join()
        release.join()
    db.session.rollback()
    assert _oid() != oid  # swapped in once the holder let go
    assert len(reads) >= 3 and all(reads), reads
