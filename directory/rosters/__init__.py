"""Rosters in and out (blueprint `rosters` at /rosters): export an organisation, a group or
a search result to XLSX, CSV or vCard; import people, positions and organisations."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    # import_views adds its routes to the blueprint and registers the import job's kind.
    from directory.rosters import import_views, views  # noqa: F401

    app.register_blueprint(views.bp)
