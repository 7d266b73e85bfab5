"""`flask jobs run`: the job consumer process of a scaled-out deployment."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from directory.jobs.runner import consume, requeue_stranded

cli = AppGroup("jobs", help="Background jobs.")


@cli.command("run")
@click.option("--workers", default=2, show_default=True, help="Worker threads.")
def run(workers: int) -> None:
    """Consume queued jobs until stopped (SIGINT: finish the running jobs first)."""
    consume(current_app._get_current_object(), workers)  # type: ignore[attr-defined]  # the proxy's real app


@cli.command("requeue")
def requeue() -> None:
    """Queue again the jobs left "queued" whose message is not in the queue."""
    ids = requeue_stranded(current_app._get_current_object())  # type: ignore[attr-defined]  # the proxy's real app
    click.echo(
        f"queued again: {len(ids)} job(s)" + (f" ({', '.join(map(str, ids))})" if ids else "")
    )
