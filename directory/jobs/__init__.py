"""Background jobs (huey): submit a job, run it in a consumer, show its progress.

A feature registers the body of a kind of job with `@job_task("feature.kind")`
(`fn(job, params) -> result | None`, reporting with `job.progress(done, total)`),
queues one with `submit("feature.kind", owner_id=..., params={...})`, and shows it with
`{% from "jobs/_progress.html" import job_progress %}{{ job_progress(job) }}`.
"""

from __future__ import annotations

from flask import Flask

from directory.jobs.models import Job
from directory.jobs.runner import job_task, submit

__all__ = ["Job", "init_app", "job_task", "submit"]


def init_app(app: Flask) -> None:
    """Build this app's queue; register the progress page and `flask jobs`."""
    from directory.jobs import cli, runner, views

    runner.init(app)
    app.register_blueprint(views.bp)
    app.cli.add_command(cli.cli)
