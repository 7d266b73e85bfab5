"""Background jobs on huey: one library for the embedded default and the scale-out.

- ``JOBS_BACKEND = "sqlite"`` (default): `SqliteHuey` on its own file beside the
  database; the serving process starts one consumer thread at its first request
  (``JOBS_IN_PROCESS``), never at import, so CLI commands and each gunicorn worker
  stay free of it (gunicorn deployments set ``JOBS_IN_PROCESS = False`` and run
  ``flask jobs run``).
- ``"redis"``: `RedisHuey` on ``REDIS_URL``, consumed by ``flask jobs run`` processes.
- ``"immediate"`` (tests): the task runs at once, in the submitting process.

Tasks take a job id and open their own app context. A task's writes and the job's
"done" are one unit of work; "running" is committed before the work starts. Progress
and the heartbeat live in huey's key-value store, not in the database, so a task can
report them in the middle of its own (uncommitted) transaction. A job whose heartbeat
stops for ``JOBS_STALE_AFTER`` seconds is shown, and marked, as failed.

A job whose queue message was never sent (Redis down when it was submitted) or was lost
(Redis restarted without persistence) stays "queued" in the database: every consumer
sends such jobs again when it starts and once a minute (`requeue_stranded`). A second
message for the same job is harmless: running starts by claiming the job in one UPDATE.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from flask_babel import gettext as _
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey, crontab
from huey.constants import EmptyData
from huey.consumer import Consumer
from sqlalchemy import select, update

from directory.core.enums import JobStatus
from directory.core.errors import DomainError
from directory.core.time import now
from directory.core.uow import unit_of_work
from directory.extensions import db
from directory.jobs.models import Job

log = logging.getLogger(__name__)

TaskFn = Callable[[Job, dict[str, Any]], "dict[str, Any] | None"]
_TASKS: dict[str, TaskFn] = {}
_EXT = "directory_jobs"
RUN_JOB = "directory.run_job"


def job_task(kind: str) -> Callable[[TaskFn], TaskFn]:
    """Register `fn(job, params) -> result | None` as the body of jobs of `kind`."""

    def register(fn: TaskFn) -> TaskFn:
        if _TASKS.get(kind, fn) is not fn:
            raise ValueError(f"job kind {kind!r} is registered twice")
        _TASKS[kind] = fn
        return fn

    return register


class _Jobs:
    """The huey instance of one app and its queued task."""

    def __init__(self, app: Flask) -> None:
        backend = app.config["JOBS_BACKEND"] or ("redis" if app.config["REDIS_URL"] else "sqlite")
        name = app.config["JOBS_NAME"]
        self.huey: Huey
        if backend == "immediate":
            self.huey = MemoryHuey(name, immediate=True)
        elif backend == "redis":
            self.huey = RedisHuey(name, url=app.config["REDIS_URL"])
        elif backend == "sqlite":
            path = Path(app.config["JOBS_SQLITE_PATH"])
            path.parent.mkdir(parents=True, exist_ok=True)
            self.huey = SqliteHuey(name, filename=str(path))
        else:
            raise ValueError(f"unknown JOBS_BACKEND {backend!r}")
        self.in_process = backend == "sqlite" and app.config["JOBS_IN_PROCESS"]
        self._consumer: Consumer | None = None
        self._lock = threading.Lock()

        def run_job(job_id: int) -> None:
            with app.app_context():
                _run(job_id)

        def requeue() -> None:
            with app.app_context():
                requeue_stranded(app)

        self.run_job = self.huey.task(name=RUN_JOB)(run_job)
        self.requeue = self.huey.periodic_task(crontab(), name="directory.requeue")(requeue)

    def ensure_consumer(self) -> None:
        """Start the in-process consumer thread once (embedded default only)."""
        if not self.in_process or self._consumer is not None:
            return
        with self._lock:
            if self._consumer is None:
                consumer = _ThreadConsumer(self.huey, workers=1, worker_type="thread")
                consumer.start()
                self._consumer = consumer

    def stop_consumer(self) -> None:
        if self._consumer is not None:
            self._consumer.stop(graceful=True)
            self._consumer = None


class _ThreadConsumer(Consumer):
    """A consumer living in threads of the serving process: no signal handlers (only
    the main thread may install them; the server owns the signals)."""

    def _set_signal_handlers(self) -> None:
        pass


def init(app: Flask) -> None:
    jobs = _Jobs(app)
    app.extensions[_EXT] = jobs
    if jobs.in_process:
        app.before_request(jobs.ensure_consumer)


def jobs_of(app: Flask) -> _Jobs:
    jobs: _Jobs = app.extensions[_EXT]
    return jobs


def submit(kind: str, *, owner_id: int | None, params: dict[str, Any] | None = None) -> Job:
    """Record a job and queue it once the current unit of work commits."""
    if kind not in _TASKS:
        raise ValueError(f"no task for job kind {kind!r}")
    jobs = jobs_of(current_app)
    with unit_of_work() as uow:
        job = Job(kind=kind, owner_id=owner_id, params=params or {})
        db.session.add(job)
        db.session.flush()
        job_id = job.id
        uow.after_commit(lambda: jobs.run_job(job_id))
    return job


def _key(job_id: int) -> str:
    return f"job-progress:{job_id}"


def report(job_id: int, done: int, total: int | None = None) -> None:
    """Record progress and a heartbeat (outside the database: see the module doc)."""
    jobs = jobs_of(current_app)
    payload = {"done": done, "total": total, "at": time.time()}
    jobs.huey.storage.put_data(_key(job_id), json.dumps(payload).encode())


def progress_of(job_id: int) -> dict[str, Any] | None:
    """The last progress report of a job: {"done", "total", "at"} or None."""
    raw = jobs_of(current_app).huey.storage.peek_data(_key(job_id))
    if raw is EmptyData:
        return None
    data: dict[str, Any] = json.loads(raw)
    return data


def _transition(job_id: int, old: JobStatus, new: JobStatus, **values: Any) -> bool:
    """Move a job from `old` to `new` in one UPDATE; False when it was not in `old`."""
    stmt = update(Job).where(Job.id == job_id, Job.status == old).values(status=new, **values)
    return bool(db.session.execute(stmt).rowcount == 1)  # type: ignore[attr-defined]


def _run(job_id: int) -> None:
    job = db.session.get(Job, job_id)
    if job is None:
        return
    kind, params = job.kind, dict(job.params or {})
    with unit_of_work():
        # Another consumer, or a second delivery of the same message, finds it taken.
        claimed = _transition(job_id, JobStatus.QUEUED, JobStatus.RUNNING, started_at=now())
    if not claimed:
        return
    report(job_id, 0)
    try:
        fn = _TASKS.get(kind)
        if fn is None:
            raise DomainError(_("这种任务已不存在。"))
        with unit_of_work():
            result = fn(job, params)
            if not _transition(
                job_id, JobStatus.RUNNING, JobStatus.DONE, result=result, finished_at=now()
            ):
                raise DomainError(_("任务已被标为中断，结果没有保存。"))
    except DomainError as exc:
        _fail(job_id, exc.message)
    except Exception:
        log.exception("job %s (%s) failed", job_id, kind)
        _fail(job_id, _("任务出错，没有写入任何内容。请稍后重试，或联系系统管理员。"))
    finally:
        jobs_of(current_app).huey.storage.delete_data(_key(job_id))


def _fail(job_id: int, message: str) -> None:
    # The failed unit of work has rolled back already; this is a fresh, short one.
    with unit_of_work():
        _transition(
            job_id, JobStatus.RUNNING, JobStatus.FAILED, message=message[:500], finished_at=now()
        )


def settle_if_stale(job: Job) -> Job:
    """Mark a running job failed when its heartbeat stopped (its process died)."""
    if job.status != JobStatus.RUNNING:
        return job
    beat = progress_of(job.id)
    last = beat["at"] if beat else None
    limit = current_app.config["JOBS_STALE_AFTER"]
    started = job.started_at.replace(tzinfo=UTC).timestamp() if job.started_at else None
    if last is None and started is not None:
        # No heartbeat at all: it was never written, or the job already ended.
        last = started
    if last is not None and time.time() - last <= limit:
        return job
    _fail(job.id, _("任务中断（处理它的进程已停止），没有写入任何内容。请重新提交。"))
    db.session.expire(job)
    return job


def requeue_stranded(app: Flask) -> list[int]:
    """Send again the message of every queued job that is not in the queue; their ids.

    Such a job's message was never sent (the queue was down at submit time) or was lost.
    A job that is between its commit and its message, or between its message being taken
    and its claim, is sent twice at worst, which its claim makes harmless.
    """
    jobs = jobs_of(app)
    queued = db.session.scalars(
        select(Job.id).where(Job.status == JobStatus.QUEUED).order_by(Job.id)
    ).all()
    if not queued:
        return []
    in_queue = {task.args[0] for task in jobs.huey.pending() if task.name == RUN_JOB}
    stranded = [job_id for job_id in queued if job_id not in in_queue]
    for job_id in stranded:
        jobs.run_job(job_id)
    if stranded:
        log.warning("queued again %d job(s) missing from the queue: %s", len(stranded), stranded)
    return stranded


def consume(app: Flask, workers: int) -> None:
    """Run a consumer in the foreground until a signal stops it (`flask jobs run`)."""
    jobs = jobs_of(app)
    if jobs.huey.immediate:
        raise ValueError("JOBS_BACKEND is 'immediate': there is nothing to consume")
    with app.app_context():
        requeue_stranded(app)
    Consumer(jobs.huey, workers=workers, worker_type="thread").run()
