"""Saved lists of people (名单): an admin's named lists, used to narrow notices."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprint."""
    from directory.lists import views

    app.register_blueprint(views.bp)
