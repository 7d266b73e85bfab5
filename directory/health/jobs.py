"""`flask health jobs`: prove that a job runner consumes the queue (deploy checks, CI).

It queues a `health.ping` job, which does nothing but answer with the runner's pid,
and waits for it to be done.
"""

from __future__ import annotations

import os
import time
from typing import Any

import click
from flask.cli import AppGroup

from directory.extensions import db
from directory.jobs import Job, job_task, submit

health_cli = AppGroup("health", help="Operational checks.")


@job_task("health.ping")
def ping(job: Job, params: dict[str, Any]) -> dict[str, Any]:
    """A job that only says which process ran it."""
    return {"pid": os.getpid(), "label": "pong"}


@health_cli.command("jobs")
@click.option("--timeout", default=30.0, show_default=True, help="Seconds to wait.")
def check_jobs(timeout: float) -> None:
    """Queue a ping job and wait until a runner has done it."""
    job = submit("health.ping", owner_id=None, params={})
    deadline = time.monotonic() + timeout
    while True:
        db.session.expire_all()
        current = db.session.get(Job, job.id)
        status = current.status.value if current is not None else "missing"
        if status == "done":
            result = current.result if current is not None else {}
            click.echo(f"job {job.id} done by runner pid {(result or {}).get('pid')}")
            return
        if status == "failed" or time.monotonic() > deadline:
            raise click.ClickException(
                f"job {job.id} is {status} after {timeout:.0f} s: is `flask jobs run` running?"
            )
        time.sleep(0.2)
