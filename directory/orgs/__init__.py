"""The organisation tree (团组织): browsing and management (blueprint `orgs`)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, commands and hooks."""
    # manage_views add routes to the blueprint of views.
    from directory.orgs import manage_views, views  # noqa: F401

    app.register_blueprint(views.bp)
