"""People (团干部): profiles, career history and contact privacy (blueprint `people`)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, commands and hooks."""
    # position_views and claim_views add routes to the blueprint of views.
    from directory.people import claim_views, position_views, views  # noqa: F401

    app.register_blueprint(views.bp)
