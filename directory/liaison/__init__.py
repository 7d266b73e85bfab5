"""Liaison assignments (定点联系): committee members assigned to the organisations below."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprint."""
    from directory.liaison import views

    app.register_blueprint(views.bp)
