"""`flask backup` then `flask restore` into an empty instance: every person, post,
transfer and attachment is back, and the search index is rebuilt (both databases)."""

from __future__ import annotations

import io
import tarfile
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from directory import create_app
from directory.config import TestConfig
from directory.extensions import db
from directory.groups.post_models import Attachment, Post
from directory.people.models import Person
from directory.search import sync
from directory.transfers import services as transfers
from directory.transfers.models import Transfer, TransferReason
from tests.conftest import PG_URL
from tests.factories import make_person
from tests.groups.conftest import make_group, make_thread
from tests.search.helpers import names

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def filled(app, client, auth, world, cadre, outsider):
    """People, a thread with a reply and an attachment, a transfer."""
    extra = [
        make_person(name=f"备份{c}", membership_org_id=world.street_org.id) for c in "甲乙丙丁戊"
    ]
    db.session.commit()
    group = make_group(cadre, "备份演练群", members=(extra[0],))
    thread = make_thread(cadre, group, body="第一帖")
    auth.login(cadre)
    r = client.post(
        f"/groups/threads/{thread.id}/reply",
        data={"body": "带附件的回复", "files": [(io.BytesIO(PDF), "材料.pdf")]},
        content_type="multipart/form-data",
    )
    assert r.status_code == 303
    with app.test_request_context("/"):
        transfers.submit(cadre, cadre, world.chengdu_org, TransferReason.JOB, "调往成都")
    db.session.expire_all()
    return app


def _snapshot() -> dict[str, object]:
    return {
        "people": sorted(db.session.execute(select(Person.id, Person.name, Person.email)).all()),
        "posts": sorted(db.session.execute(select(Post.id, Post.body)).all()),
        "transfers": sorted(
            db.session.execute(select(Transfer.id, Transfer.person_id, Transfer.note)).all()
        ),
        "attachments": sorted(
            db.session.execute(select(Attachment.storage_key, Attachment.filename)).all()
        ),
    }


@pytest.fixture
def empty_url(tmp_path):
    """A database for the second instance: a new SQLite file or a new PostgreSQL database."""
    if not PG_URL:
        yield f"sqlite:///{tmp_path / 'restored' / 'directory.sqlite'}"
        return
    name = f"restore_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_backup_then_restore_into_an_empty_instance(filled, runner, tmp_path, empty_url, cadre):
    app = filled
    before = _snapshot()
    assert len(before["posts"]) >= 2 and before["transfers"] and before["attachments"]
    archive = tmp_path / "out" / "backup.tar.gz"
    result = runner.invoke(args=["backup", "--output", str(archive)])
    assert result.exit_code == 0, result.output
    assert archive.exists() and not archive.with_name("backup.tar.gz.partial").exists()
    with tarfile.open(archive) as tar:
        members = set(tar.getnames())
    assert "manifest.json" in members
    assert ("database.dump" if PG_URL else "database.sqlite") in members
    assert sum(m.startswith("uploads/") for m in members) == len(before["attachments"])

    class Restored(TestConfig):
        SQLALCHEMY_DATABASE_URI = empty_url
        SEARCH_INDEX_DIR = str(tmp_path / "restored" / "index")
        UPLOAD_DIR = str(tmp_path / "restored" / "uploads")

    other = create_app(Restored)
    with other.app_context():
        result = other.test_cli_runner().invoke(args=["restore", str(archive)])
        assert result.exit_code == 0, result.output
        assert "search index rebuilt" in result.output
        db.session.expire_all()
        assert _snapshot() == before
        for key, _name in before["attachments"]:
            assert (Path(Restored.UPLOAD_DIR) / key).read_bytes() == PDF
        assert not sync.pending()
        restored_cadre = db.session.get(Person, cadre.id)
        assert cadre.name in names(restored_cadre, q=cadre.name)
        assert "备份丁" in names(restored_cadre, q="备份丁")
        # A second restore over a populated database needs --force.
        again = other.test_cli_runner().invoke(args=["restore", str(archive)])
        assert again.exit_code != 0 and "already holds people" in again.output
        db.session.remove()
    # Flask-SQLAlchemy picks a session's engine from the current app when it first
    # connects: close every session, then the second instance's pool.
    db.session.remove()
    with other.app_context():
        db.engine.dispose()
    del app


def test_restore_refuses_an_archive_of_the_other_database(app, runner, tmp_path):
    archive = tmp_path / "bad.tar.gz"
    manifest = (
        b'{"format": 1, "created_at": "2026-12-03T00:00:00Z", "dialect": "oracle",'
        b' "revision": null, "counts": {}, "uploads": 0}'
    )
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("manifest.json")
        info.size = len(manifest)
        tar.addfile(info, io.BytesIO(manifest))
    result = runner.invoke(args=["restore", str(archive)])
    assert result.exit_code != 0
    assert "oracle" in result.output


def test_restore_refuses_something_that_is_not_an_archive(app, runner, tmp_path):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("hello")
    result = runner.invoke(args=["restore", str(bogus)])
    assert result.exit_code != 0
