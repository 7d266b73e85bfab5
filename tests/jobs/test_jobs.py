"""Background jobs: a job's work and its "done" commit together, a failure writes
nothing and says why, progress shows to its owner only, a dead job is reported."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
import redis
from flask import Flask
from sqlalchemy import func, select

from directory.core.enums import JobStatus
from directory.core.errors import DomainError
from directory.core.time import now
from directory.extensions import db
from directory.jobs import Job, job_task, submit
from directory.jobs.runner import jobs_of, progress_of
from directory.notifications.models import Notification


@job_task("test.notify")
def _notify(job: Job, params: dict[str, Any]) -> dict[str, Any]:
    people = params["people"]
    for done, person_id in enumerate(people, start=1):
        db.session.add(Notification(person_id=person_id, kind="test", message=params["text"]))
        job.progress(done, len(people))
    if params.get("fail") == "domain":
        db.session.flush()
        raise DomainError("第二行的电话号码无效。")
    if params.get("fail") == "crash":
        db.session.flush()
        raise RuntimeError("boom")
    return {"url": "/notifications/", "label": "看通知"}


def _notifications() -> int:
    return db.session.scalar(select(func.count()).select_from(Notification)) or 0


def test_a_job_runs_and_its_work_commits_with_done(app: Flask, cadre, outsider) -> None:
    job = submit("test.notify", owner_id=cadre.id, params={"people": [cadre.id], "text": "你好"})
    db.session.expire_all()
    assert job.status == JobStatus.DONE
    assert job.result == {"url": "/notifications/", "label": "看通知"}
    assert job.started_at is not None and job.finished_at is not None
    assert _notifications() == 1
    assert progress_of(job.id) is None  # the heartbeat is cleared once the job ends


@pytest.mark.parametrize(
    ("fail", "message"),
    [("domain", "第二行的电话号码无效。"), ("crash", "任务出错，没有写入任何内容")],
)
def test_a_failing_job_writes_nothing_and_says_why(app: Flask, cadre, fail, message) -> None:
    job = submit(
        "test.notify",
        owner_id=cadre.id,
        params={"people": [cadre.id, cadre.id], "text": "x", "fail": fail},
    )
    db.session.expire_all()
    assert job.status == JobStatus.FAILED
    assert message in job.message
    assert _notifications() == 0


def test_unknown_kind_is_refused_before_anything_is_written(app: Flask, cadre) -> None:
    with pytest.raises(ValueError):
        submit("test.nothing", owner_id=cadre.id)
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def _running_job(owner_id: int, started_ago: timedelta) -> Job:
    job = Job(
        kind="test.notify",
        owner_id=owner_id,
        status=JobStatus.RUNNING,
        started_at=now() - started_ago,
    )
    db.session.add(job)
    db.session.commit()
    return job


def test_progress_page_shows_the_owner_a_bar_that_polls(app: Flask, client, auth, cadre) -> None:
    job = _running_job(cadre.id, timedelta(seconds=5))
    job.progress(3, 10)
    auth.login(cadre)
    page = client.get(f"/jobs/{job.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<progress value="3" max="10">' in html
    assert "进行中" in html and "3 / 10" in html
    assert 'hx-trigger="every 1s"' in html
    fragment = client.get(f"/jobs/{job.id}", headers={"HX-Request": "true"})
    assert fragment.get_data(as_text=True).lstrip().startswith(f'<div id="job-{job.id}"')


def test_a_finished_job_stops_polling_and_links_its_result(app: Flask, client, auth, cadre) -> None:
    job = submit("test.notify", owner_id=cadre.id, params={"people": [cadre.id], "text": "你好"})
    auth.login(cadre)
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "已完成" in html and 'href="/notifications/">看通知</a>' in html
    assert "every 1s" not in html


def test_only_the_owner_and_system_admins_see_a_job(
    app: Flask, client, auth, cadre, outsider, admin
) -> None:
    job = _running_job(cadre.id, timedelta(seconds=1))
    assert client.get(f"/jobs/{job.id}").status_code == 302  # to sign-in
    auth.login(outsider)
    assert client.get(f"/jobs/{job.id}").status_code == 404
    auth.logout()
    auth.login(admin)
    assert client.get(f"/jobs/{job.id}").status_code == 200
    for bad in ("99999999999999999999", "²", "-1", "0"):
        assert client.get(f"/jobs/{bad}").status_code == 404


def test_a_job_whose_process_died_is_reported_failed(app: Flask, client, auth, cadre) -> None:
    limit = app.config["JOBS_STALE_AFTER"]
    job = _running_job(cadre.id, timedelta(seconds=limit + 60))
    auth.login(cadre)
    html = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert "任务中断" in html and "失败" in html
    db.session.expire_all()
    assert job.status == JobStatus.FAILED


def test_a_late_result_of_a_job_marked_dead_is_not_kept(app: Flask, cadre) -> None:
    """The task's "done" is a conditional UPDATE: a job already failed keeps its state."""
    job = Job(kind="test.notify", owner_id=cadre.id, params={"people": [cadre.id], "text": "x"})
    db.session.add(job)
    db.session.commit()
    job.status = JobStatus.FAILED
    db.session.commit()
    jobs_of(app).run_job.call_local(job.id)
    db.session.expire_all()
    assert job.status == JobStatus.FAILED and _notifications() == 0


def _wait_until_finished(job_id: int, seconds: float = 20) -> Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        db.session.expire_all()
        job = db.session.get(Job, job_id)
        assert job is not None
        if job.finished:
            return job
        time.sleep(0.05)
    raise AssertionError("the job did not finish")


@pytest.fixture
def sqlite_queue(app_config: dict[str, object], tmp_path) -> None:
    app_config["JOBS_BACKEND"] = "sqlite"
    app_config["JOBS_SQLITE_PATH"] = str(tmp_path / "jobs.sqlite")


def test_the_embedded_queue_is_consumed_by_a_thread_of_the_serving_process(
    sqlite_queue, app: Flask, client, auth, cadre
) -> None:
    jobs = jobs_of(app)
    assert jobs._consumer is None  # nothing started at import or app creation
    auth.login(cadre)  # the first request starts the consumer thread
    try:
        assert jobs._consumer is not None
        queued = submit(
            "test.notify", owner_id=cadre.id, params={"people": [cadre.id], "text": "队列"}
        )
        job = _wait_until_finished(queued.id)
        assert job.status == JobStatus.DONE and _notifications() == 1
    finally:
        jobs.stop_consumer()


@pytest.fixture
def redis_queue(app_config: dict[str, object]) -> None:
    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")
    app_config["REDIS_URL"] = url
    app_config["JOBS_BACKEND"] = ""  # chosen from REDIS_URL
    app_config["JOBS_NAME"] = f"directory-test-{time.time_ns()}"


def test_with_redis_configured_jobs_go_through_redis(redis_queue, app: Flask, cadre) -> None:
    from huey import RedisHuey

    jobs = jobs_of(app)
    assert isinstance(jobs.huey, RedisHuey) and not jobs.in_process
    queued = submit("test.notify", owner_id=cadre.id, params={"people": [cadre.id], "text": "红"})
    assert jobs.huey.pending_count() == 1
    job = _consume_until_finished(jobs.huey, queued.id)
    assert job.status == JobStatus.DONE and _notifications() == 1


def _consume_until_finished(huey, job_id: int) -> Job:
    """Run a real consumer (threads of this process) until the job has finished."""
    from huey.consumer import Consumer

    consumer = Consumer(huey, workers=1, worker_type="thread", periodic=False)
    consumer._set_signal_handlers = lambda: None  # not the main thread's signals in a test
    consumer.start()
    try:
        return _wait_until_finished(job_id)
    finally:
        consumer.stop(graceful=True)
        huey.flush()


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_job_submitted_while_redis_is_down_is_queued_again(
    redis_queue, app: Flask, runner, cadre, caplog
) -> None:
    jobs = jobs_of(app)
    storage = jobs.huey.storage
    live = storage.conn
    storage.conn = redis.Redis(port=_closed_port(), socket_connect_timeout=0.5)  # Redis is down
    try:
        stranded = submit(
            "test.notify", owner_id=cadre.id, params={"people": [cadre.id], "text": "断"}
        )
    finally:
        storage.conn = live  # Redis is back
    assert "after-commit step failed" in caplog.text
    db.session.expire_all()
    assert stranded.status == JobStatus.QUEUED and jobs.huey.pending_count() == 0

    result = runner.invoke(args=["jobs", "requeue"])
    assert result.exit_code == 0 and f"queued again: 1 job(s) ({stranded.id})" in result.output
    assert jobs.huey.pending_count() == 1
    # A job whose message is in the queue is not sent twice.
    assert runner.invoke(args=["jobs", "requeue"]).output.startswith("queued again: 0")

    job = _consume_until_finished(jobs.huey, stranded.id)
    assert job.status == JobStatus.DONE and _notifications() == 1


def test_every_consumer_looks_for_stranded_jobs_every_minute(app: Flask) -> None:
    huey = jobs_of(app).huey
    for minute in (now(), now() + timedelta(minutes=1, seconds=7)):
        assert [t.name for t in huey.read_periodic(minute)] == ["directory.requeue"]
