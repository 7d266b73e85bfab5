"""Rosters in and out (blueprint `rosters` at /rosters): export an organisation, a group or
a search result to XLSX, CSV or vCard; import people, positions and organisations."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    from directory.rosters import views

    app.register_blueprint(views.bp)
