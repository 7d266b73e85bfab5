"""The home page (blueprint `main`)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, commands and hooks."""
    from directory.main import views

    app.register_blueprint(views.bp)
