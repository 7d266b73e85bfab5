"""`flask stats rebuild-tally`: recompute the statistics tally from the people."""

from __future__ import annotations

import click
from flask import Flask


def register(app: Flask) -> None:
    """Add the `flask stats` group."""

    @app.cli.group("stats")
    def stats() -> None:
        """Statistics."""

    @stats.command("rebuild-tally")
    def rebuild_tally() -> None:
        """Recompute the per-organisation tally (after writing people with raw SQL)."""
        from directory.core.uow import unit_of_work
        from directory.stats import tally

        with unit_of_work():
            count = tally.rebuild()
        click.echo(f"Tally rebuilt from {count} active cadres.")
