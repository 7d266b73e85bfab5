"""`flask audit prune`: delete entries past the retention age."""

from __future__ import annotations

import click
from flask import Flask, current_app

from directory.core.errors import DomainError


def register(app: Flask) -> None:
    """Add the `flask audit` group."""

    @app.cli.group("audit")
    def audit() -> None:
        """The audit log."""

    @audit.command("prune")
    @click.option("--days", type=int, default=None, help="Keep this many days (default: config).")
    def prune(days: int | None) -> None:
        """Delete audit entries older than the retention age (AUDIT_RETENTION_DAYS)."""
        from directory.audit import services

        keep = days if days is not None else int(current_app.config["AUDIT_RETENTION_DAYS"])
        try:
            count = services.prune(keep)
        except DomainError as err:
            raise click.ClickException(err.message) from None
        click.echo(f"{count} audit entries older than {keep} days deleted.")
