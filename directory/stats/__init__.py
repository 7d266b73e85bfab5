"""Statistics and data quality over an admin's subtree (blueprint `stats` at /stats)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    from directory.stats import views

    app.register_blueprint(views.bp)
