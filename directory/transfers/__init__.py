"""Membership transfers (组织关系转接): requests, approvals, batches, dashboards."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, commands and hooks."""
    # batch_views add routes to the blueprint of views.
    from directory.transfers import audit, batch_views, cli, views  # noqa: F401
    from directory.web.pages import add_page_part

    app.register_blueprint(views.bp)
    cli.register(app)
    audit.connect()  # every transfer event is mirrored into the audit log
    # 转接中 on the organisation page's roster and on the profile.
    add_page_part(app, "orgs.show", views.org_page_part)
    add_page_part(app, "people.show", views.profile_part)
    app.config.setdefault("TRANSFER_STEP_DAYS", 7)
