"""Faults on one machine: kill -9 in the middle of an index write; disk full while an
attachment is written. Nothing committed is lost and the app recovers by itself."""

from __future__ import annotations

import errno
import io
import os
import signal
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from directory.extensions import db
from directory.groups.post_models import Attachment, Post
from directory.people.models import Person
from directory.search import sync
from directory.search.models import SearchOutbox
from tests.conftest import PG_URL
from tests.groups.conftest import make_group, make_thread
from tests.search.helpers import names

pytestmark = pytest.mark.faults

ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# A worker that commits people (the outbox rows commit with them), then starts indexing
# them and stops in the middle of the Whoosh write, holding both locks, until killed.
WRITER = textwrap.dedent(
    """
    import sys, time
    from directory import create_app
    from directory.config import TestConfig
    from directory.extensions import db
    from directory.people.models import Person
    from directory.search import sync, whoosh_backend

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = sys.argv[1]
        SEARCH_INDEX_DIR = sys.argv[2]
        SEARCH_AUTO_DRAIN = False

    app = create_app(Config)
    real_fields = whoosh_backend._fields
    seen = []

    def fields(doc):
        seen.append(doc)
        if len(seen) == 10:
            print("writing", flush=True)  # half the documents are in the open writer
            time.sleep(600)
        return real_fields(doc)

    whoosh_backend._fields = fields
    with app.app_context():
        for i in range(20):
            name = "断电" + "甲乙丙丁戊己庚辛壬癸"[i % 10] + "一二"[i // 10]
            db.session.add(Person(name=name, email=f"kill{i}@example.org"))
        db.session.commit()
        sync.drain(timeout=5)
    """
)


@pytest.mark.skipif(bool(PG_URL), reason="the worker shares the test's SQLite file")
def test_kill_9_in_the_middle_of_an_index_write(app, cadre) -> None:
    sync.reindex()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    index_dir = app.config["SEARCH_INDEX_DIR"]
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, url, index_dir],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.strip() == "writing", proc.stderr.read() if proc.stderr else ""
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
    assert proc.returncode == -signal.SIGKILL
    db.session.expire_all()
    # Nothing committed is lost: the people and their outbox rows are in the database.
    assert db.session.scalar(select(func.count()).where(Person.name.like("断电%"))) == 20
    assert db.session.scalar(select(func.count()).select_from(SearchOutbox)) >= 20
    # The dead writer's locks died with it: the next drain indexes everything.
    assert sync.drain(timeout=5) >= 20
    assert not sync.pending()
    report = sync.check(repair=False)
    assert all(d.total == 0 for d in report.values()), report
    assert "断电辛二" in names(cadre, q="断电辛二")
    assert cadre.name in names(cadre, q=cadre.name)


def _post_with_files(client, auth, member, thread, files):
    auth.login(member)
    return client.post(
        f"/groups/threads/{thread.id}/reply",
        data={"body": "磁盘满演练", "files": files},
        content_type="multipart/form-data",
    )


def _nothing_written(app, posts_before: int) -> None:
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Post)) == posts_before
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    upload_dir = Path(app.config["UPLOAD_DIR"])
    assert not upload_dir.exists() or not any(upload_dir.iterdir()), list(upload_dir.iterdir())


def test_disk_full_on_the_second_attachment(app, client, auth, cadre, monkeypatch) -> None:
    """ENOSPC on the second file: the first is removed again, no post, the text kept."""
    group = make_group(cadre, "磁盘演练群")
    thread = make_thread(cadre, group)
    posts_before = db.session.scalar(select(func.count()).select_from(Post)) or 0
    real_write = Path.write_bytes
    calls: list[Path] = []

    def write_bytes(self: Path, data: bytes) -> int:
        calls.append(self)
        if len(calls) == 2:
            real_write(self, data[:10])  # a partial file, then the disk is full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)
    r = _post_with_files(
        client,
        auth,
        cadre,
        thread,
        [(io.BytesIO(PDF), "a.pdf"), (io.BytesIO(PDF), "b.pdf")],
    )
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "存储空间不足" in page and "磁盘满演练" in page  # the message, and the text kept
    assert len(calls) == 2
    _nothing_written(app, posts_before)
    monkeypatch.undo()
    # Space again: the same reply goes through.
    r = _post_with_files(client, auth, cadre, thread, [(io.BytesIO(PDF), "a.pdf")])
    assert r.status_code == 303


@pytest.fixture
def tiny_upload_dir(app):
    """UPLOAD_DIR on a 64 KiB tmpfs (needs the right to mount; skipped otherwise)."""
    path = Path(app.config["UPLOAD_DIR"]).parent / f"tiny-{uuid.uuid4().hex[:6]}"
    path.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(path)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    app.config["UPLOAD_DIR"] = str(path)
    yield path
    subprocess.run(["umount", str(path)], check=False)


def test_disk_really_full(app, client, auth, cadre, tiny_upload_dir) -> None:
    """A real full file system (tmpfs of 64 KiB) under a 200 KiB attachment."""
    group = make_group(cadre, "磁盘演练群")
    thread = make_thread(cadre, group)
    posts_before = db.session.scalar(select(func.count()).select_from(Post)) or 0
    big = PDF + b"%" + b"0" * 200_000 + b"\n%%EOF\n"
    r = _post_with_files(client, auth, cadre, thread, [(io.BytesIO(big), "big.pdf")])
    assert r.status_code == 422
    assert "存储空间不足" in r.get_data(as_text=True)
    _nothing_written(app, posts_before)
    assert client.get(f"/groups/threads/{thread.id}").status_code == 200


JOB_RUNNER = textwrap.dedent(
    """
    import sys, time
    from directory import create_app
    from directory.config import TestConfig
    from directory.extensions import db
    from directory.jobs import job_task, submit
    from directory.jobs.runner import consume
    from directory.people.models import Person

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = sys.argv[1]
        SEARCH_INDEX_DIR = sys.argv[2]
        JOBS_BACKEND = "sqlite"
        JOBS_SQLITE_PATH = sys.argv[3]
        JOBS_IN_PROCESS = False

    @job_task("faults.slow")
    def slow(job, params):
        db.session.add(Person(name="半途而废", email="halfway@example.org"))
        db.session.flush()
        print("working", flush=True)  # the task's write is made, not committed
        time.sleep(600)

    app = create_app(Config)
    with app.app_context():
        job = submit("faults.slow", owner_id=None, params={})
        print(job.id, flush=True)
    consume(app, 1)
    """
)


@pytest.mark.skipif(bool(PG_URL), reason="the runner shares the test's SQLite file")
def test_kill_9_of_a_job_runner_in_the_middle_of_a_job(app, tmp_path) -> None:
    """Nothing the job wrote is committed; the job is then reported failed, not running."""
    from directory.core.enums import JobStatus
    from directory.jobs import Job
    from directory.jobs.runner import settle_if_stale

    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            JOB_RUNNER,
            app.config["SQLALCHEMY_DATABASE_URI"],
            app.config["SEARCH_INDEX_DIR"],
            str(tmp_path / "jobs.sqlite"),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        job_id = int(proc.stdout.readline())
        line = proc.stdout.readline()
        assert line.strip() == "working", proc.stderr.read() if proc.stderr else ""
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).where(Person.name == "半途而废")) == 0
    job = db.session.get(Job, job_id)
    assert job is not None and job.status == JobStatus.RUNNING
    app.config["JOBS_STALE_AFTER"] = 0
    with app.test_request_context("/"):
        settle_if_stale(job)
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert job.status == JobStatus.FAILED and job.message
