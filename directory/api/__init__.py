"""The JSON API (blueprint `api` at /api/v1) and personal access tokens (blueprint `tokens`)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints and its error rendering under /api/v1/."""
    from directory.api import (
        desk_views,
        group_views,
        hooks,
        notice_views,
        org_views,
        token_views,
        transfer_views,
        views,
    )
    from directory.web import register_error_renderer

    # imported for the routes they add to `api`
    del desk_views, group_views, notice_views, org_views, transfer_views
    app.register_blueprint(views.bp)
    app.register_blueprint(token_views.bp)
    register_error_renderer("/api/v1/", hooks.render_error)
