"""Statistics and data quality over an admin's subtree (blueprint `stats` at /stats)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint, the `flask stats` commands and the tally's flush listeners."""
    from directory.stats import cli, models, tally, views  # noqa: F401 (models: the tables)

    app.register_blueprint(views.bp)
    cli.register(app)
    tally.install_listeners()
