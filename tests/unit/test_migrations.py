"""Every table comes from a migration: upgrade an empty database, then compare to the models."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from directory import create_app
from directory.config import TestConfig
from directory.core.sql import include_object_for
from directory.extensions import db
from tests.conftest import PG_URL


@pytest.fixture
def empty_url(tmp_path: Path) -> Iterator[str]:
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'migrated.sqlite'}"
        return
    name = f"directory_mig_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_from_empty_matches_models(empty_url: str, tmp_path: Path) -> None:
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = empty_url
        SEARCH_INDEX_DIR = str(tmp_path / "index")

    app = create_app(Config)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            opts = {"include_object": include_object_for(conn.dialect.name)}
            diff = compare_metadata(MigrationContext.configure(conn, opts=opts), db.metadata)
        assert diff == []
        downgrade(revision="base")
        with db.engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


_ROWS_BEFORE_0007 = [
    "INSERT INTO region (id, code, name, level) VALUES (1, '51', '四川省', 'province')",
    "INSERT INTO organisation (id, name, level, region_id, path)"
    " VALUES (1, '共青团四川省委', 'province', 1, '/1/')",
    *(
        "INSERT INTO person (id, name, name_pinyin, email, session_token, is_admin,"
        " is_active_account, bio, phone_visibility, email_visibility, wechat_visibility)"
        f" VALUES ({i}, '人{i}', 'ren', 'p{i}@example.org', 't{i}', false, true, '',"
        " 'shared', 'shared', 'shared')"
        for i in (1, 2, 3)
    ),
    "INSERT INTO position (id, person_id, organisation_id, title, start_date, end_date)"
    " VALUES (1, 1, 1, '书记', '2020-01-01', NULL), (2, 2, 1, '委员', '2015-01-01', '2018-01-01')",
    *(
        'INSERT INTO "group" (id, name, description, join_policy, visibility, auto_org_id,'
        f" member_count, thread_count) VALUES ({gid}, 'g{gid}', '', '{policy}', 'public', {auto},"
        " 3, 0)"
        for gid, policy, auto in ((1, "open", "NULL"), (2, "request", "NULL"), (3, "invite", "1"))
    ),
    "INSERT INTO group_member (id, group_id, person_id, role) VALUES"
    " (1, 1, 1, 'owner'), (2, 1, 2, 'member'), (3, 1, 3, 'moderator'),"
    " (4, 2, 1, 'member'), (5, 3, 2, 'member')",
]


def test_0007_confirms_existing_positions_and_vets_members(empty_url: str, tmp_path: Path) -> None:
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = empty_url
        SEARCH_INDEX_DIR = str(tmp_path / "index")

    app = create_app(Config)
    with app.app_context():
        upgrade(revision="0006")
        with db.engine.begin() as conn:
            for statement in _ROWS_BEFORE_0007:
                conn.execute(sa.text(statement))
        upgrade(revision="0007")
        with db.engine.connect() as conn:
            positions = conn.execute(
                sa.text("SELECT status, reviewed_at, reviewed_by_id, review_note FROM position")
            ).all()
            vetted = dict(conn.execute(sa.text("SELECT id, vetted FROM group_member")).all())
        assert len(positions) == 2
        for status, reviewed_at, reviewed_by_id, note in positions:
            assert status == "confirmed" and reviewed_at is not None
            assert reviewed_by_id is None and "0007" in note
        # Open group: only the owner and the moderator were vetted; the others all were.
        assert {k: bool(v) for k, v in vetted.items()} == {
            1: True, 2: False, 3: True, 4: True, 5: True,
        }  # fmt: skip
        downgrade(revision="base")
        db.engine.dispose()


_ROWS_BEFORE_0015 = [
    "INSERT INTO region (id, code, name, level) VALUES (1, '51', '四川省', 'province')",
    *(
        "INSERT INTO organisation (id, name, level, region_id, parent_id, path)"
        f" VALUES ({oid}, 'o{oid}', 'branch', 1, {parent}, '{path}')"
        for oid, parent, path in (
            (1, "NULL", "/1/"),
            (2, 1, "/1/2/"),
            (3, 2, "/1/2/3/"),
            (4, 2, "/1/2/4/"),
            (5, 1, "/1/5/"),
        )
    ),
    *(
        "INSERT INTO person (id, name, name_pinyin, email, session_token, is_admin,"
        " is_active_account, bio, phone_visibility, email_visibility, wechat_visibility)"
        f" VALUES ({i}, '人{i}', 'ren', 'p{i}@example.org', 't{i}', false, true, '',"
        " 'shared', 'shared', 'shared')"
        for i in (1, 2, 3, 4)
    ),
    *(
        "INSERT INTO notice (id, org_id, title, body, body_html, reply_required, status,"
        f" recipient_count) VALUES ({nid}, {org}, 't', 'b', 'b', false, 'sent', 0)"
        for nid, org in ((1, 1), (2, 2))
    ),
    # Notice 1 from the root: people in 3, 3, 4 and 5; notice 2 from 2: people in 3 and 4.
    *(
        "INSERT INTO notice_recipient (notice_id, person_id, org_id, read_at, replied_at, reply)"
        f" VALUES ({nid}, {pid}, {org}, {read}, {replied}, '')"
        for nid, pid, org, read, replied in (
            (1, 1, 3, "'2026-01-01'", "'2026-01-01'"),
            (1, 2, 3, "NULL", "NULL"),
            (1, 3, 4, "'2026-01-01'", "NULL"),
            (1, 4, 5, "NULL", "NULL"),
            (2, 1, 3, "NULL", "NULL"),
            (2, 3, 4, "'2026-01-01'", "NULL"),
        )
    ),
]


def test_0015_counts_delivered_notices_and_keeps_counting(empty_url: str, tmp_path: Path) -> None:
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = empty_url
        SEARCH_INDEX_DIR = str(tmp_path / "index")

    app = create_app(Config)
    with app.app_context():
        upgrade(revision="0012")
        with db.engine.begin() as conn:
            for statement in _ROWS_BEFORE_0015:
                conn.execute(sa.text(statement))
        upgrade(revision="0015")
        query = "SELECT notice_id, org_id, recipients, read_count, replied_count FROM notice_tally"
        with db.engine.begin() as conn:
            tallies = {(n, o): (c, r, p) for n, o, c, r, p in conn.execute(sa.text(query))}
            assert tallies == {
                (1, 1): (4, 2, 1), (1, 2): (3, 2, 1), (1, 3): (2, 1, 1), (1, 4): (1, 1, 0),
                (1, 5): (1, 0, 0), (2, 2): (2, 1, 0), (2, 3): (1, 0, 0), (2, 4): (1, 1, 0),
            }  # fmt: skip
            # The triggers are in place: reading counts up the path, within its notice only.
            conn.execute(
                sa.text(
                    "UPDATE notice_recipient SET read_at = '2026-01-02'"
                    " WHERE notice_id = 2 AND person_id = 1"
                )
            )
            tallies = {(n, o): (c, r, p) for n, o, c, r, p in conn.execute(sa.text(query))}
        assert tallies[(2, 2)] == (2, 2, 0) and tallies[(2, 3)] == (1, 1, 0)
        assert tallies[(1, 1)] == (4, 2, 1)
        downgrade(revision="0012")
        downgrade(revision="base")
        db.engine.dispose()


@pytest.mark.skipif(not PG_URL, reason="the search table is converted on PostgreSQL only")
def test_0020_converts_a_filled_search_table(empty_url: str, tmp_path: Path) -> None:
    """The facet values and region codes stored as text become ids of `search_set`, the
    facet set gaining the `active` flag from `terms`: what pg_backend now writes."""
    from directory.search.documents import Doc
    from directory.search.pg_backend import _row

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = empty_url
        SEARCH_INDEX_DIR = str(tmp_path / "index")

    app = create_app(Config)
    docs = [
        Doc(key=1, names=[], pinyin=[], org_text="", body="", filters={"active": ["1"], "status": ["current"], "sector": ["school"],
                            "reg": ["51", "5107"], "reg_cur": ["51", "5107"]}),
        Doc(key=2, names=[], pinyin=[], org_text="", body="", filters={"active": ["0"], "status": ["former"],
                            "reg": ["51", "5101"], "reg_past": ["51", "5101"]}),
        Doc(key=3, names=[], pinyin=[], org_text="", body="", filters={"active": ["1"], "status": ["current"], "sector": ["school"],
                            "reg": ["51", "5107"], "reg_cur": ["51", "5107"]}),
        Doc(key=4, names=[], pinyin=[], org_text="", body="", filters={"active": ["1"]}),
    ]  # fmt: skip
    rows = {d.key: _row("person", d) for d in docs}
    with app.app_context():
        upgrade(revision="0019")
        with db.engine.begin() as conn:
            for key, row in rows.items():
                # As 0019's backend wrote them: no `active` in `fv`.
                old_fv = " ".join(e for e in row["fv"].split() if not e.startswith("active:"))
                conn.execute(
                    sa.text(
                        "INSERT INTO search_document (doc_type, key, terms, sort, cur_order, fv,"
                        " rl2, rl4, rl6, rl9, rl12, digest) VALUES ('person', :k, :terms, :k,"
                        " 1, :fv, :rl2, :rl4, NULL, NULL, NULL, '')"
                    ),
                    {"k": key, "terms": row["terms"], "fv": old_fv, "rl2": row["rl2"],
                     "rl4": row["rl4"]},
                )  # fmt: skip
        upgrade(revision="0020")
        query = (
            "SELECT d.key, f.value, r2.value, r4.value FROM search_document d"
            " JOIN search_set f ON f.id = d.fv_id AND f.kind = 0"
            " LEFT JOIN search_set r2 ON r2.id = d.rl2_id AND r2.kind = 2"
            " LEFT JOIN search_set r4 ON r4.id = d.rl4_id AND r4.kind = 4 ORDER BY 1"
        )
        with db.engine.connect() as conn:
            converted = conn.execute(sa.text(query)).all()
            sets = conn.scalar(sa.text("SELECT count(*) FROM search_set"))
        assert converted == [
            (k, rows[k]["fv"], rows[k]["rl2"], rows[k]["rl4"]) for k in sorted(rows)
        ]
        assert "active:1" in rows[1]["fv"] and rows[4]["rl2"] is None
        assert sets == 7  # three facet sets, two province sets, two city sets
        downgrade(revision="0019")
        with db.engine.connect() as conn:
            back = conn.execute(sa.text("SELECT key, fv, rl4 FROM search_document ORDER BY 1"))
            assert [(k, rl4) for k, _fv, rl4 in back] == [(k, rows[k]["rl4"]) for k in sorted(rows)]
            storage = conn.execute(
                sa.text(
                    "SELECT attname, attstorage FROM pg_attribute WHERE attrelid ="
                    " 'search_document'::regclass AND attname IN ('fv', 'rl2', 'rl12')"
                )
            ).all()
            assert sorted(storage) == [("fv", "p"), ("rl12", "p"), ("rl2", "p")]
        downgrade(revision="base")
        db.engine.dispose()


def test_0022_drops_cur_order_and_the_downgrade_refills_it(empty_url: str, tmp_path: Path) -> None:
    """`cur_order` and its index go; the downgrade brings both back, the column filled from
    `terms` on PostgreSQL (0 for a current position, `f|status:current`)."""

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = empty_url
        SEARCH_INDEX_DIR = str(tmp_path / "index")

    app = create_app(Config)
    pg = bool(PG_URL)
    terms = (
        ["ARRAY['n|甲', 'f|status:current']", "ARRAY['n|乙', 'f|status:former']"]
        if pg
        else ["'{}'", "'{}'"]
    )
    with app.app_context():
        upgrade(revision="0021")
        with db.engine.begin() as conn:
            for key, value in enumerate(terms, start=1):
                conn.execute(
                    sa.text(
                        "INSERT INTO search_document (doc_type, key, terms, sort, cur_order,"
                        f" fv_id, digest) VALUES ('person', {key}, {value}, '', 1, 0, '')"
                    )
                )
        upgrade(revision="0022")
        with db.engine.connect() as conn:
            inspector = sa.inspect(conn)
            columns = {c["name"] for c in inspector.get_columns("search_document")}
            indexes = {i["name"] for i in inspector.get_indexes("search_document")}
            assert "cur_order" not in columns and "ix_search_document_rank" not in indexes
            assert conn.scalar(sa.text("SELECT count(*) FROM search_document")) == 2
        downgrade(revision="0021")
        with db.engine.connect() as conn:
            indexes = {i["name"] for i in sa.inspect(conn).get_indexes("search_document")}
            assert "ix_search_document_rank" in indexes
            back = conn.execute(sa.text("SELECT key, cur_order FROM search_document ORDER BY 1"))
            assert back.all() == ([(1, 0), (2, 1)] if pg else [(1, 1), (2, 1)])
        with db.engine.begin() as conn:  # (0020's downgrade wants their sets)
            conn.execute(sa.text("DELETE FROM search_document"))
        downgrade(revision="base")
        db.engine.dispose()
