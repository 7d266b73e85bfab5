"""`flask transfers remind`: reminders for steps waiting too long (meant for cron)."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

transfers_cli = AppGroup("transfers", help="Membership transfers (组织关系转接).")


def register(app: Flask) -> None:
    app.cli.add_command(transfers_cli)


@transfers_cli.command("remind")
@click.option("--days", type=click.IntRange(min=1), help="Override TRANSFER_STEP_DAYS.")
def remind(days: int | None) -> None:
    """Remind the admins of every transfer step waiting longer than the limit (idempotent)."""
    from flask import current_app

    from directory.transfers import reports
    from directory.web.links import offline_request

    if days is not None:
        current_app.config["TRANSFER_STEP_DAYS"] = days
    # Messages are translated, and the locale selector reads the request: give it one.
    with offline_request():
        sent = reports.remind()
    click.echo(f"reminded {sent} overdue transfer step(s)")
