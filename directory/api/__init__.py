"""The JSON API (blueprint `api` at /api/v1)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, commands and hooks."""
    from directory.api import views

    app.register_blueprint(views.bp)
