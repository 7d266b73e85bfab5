"""Membership transfers (组织关系转接): requests, approvals, batches, dashboards."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, commands and hooks."""
    # batch_views add routes to the blueprint of views.
    from directory.transfers import accepting, batch_views, cli, views  # noqa: F401

    app.register_blueprint(views.bp)
    cli.register(app)
    app.config.setdefault("TRANSFER_STEP_DAYS", 7)
    # Rosters elsewhere mark people whose transfer is open (转接中): one query per list.
    app.add_template_global(accepting.open_transfer_ids, "in_transfer_ids")
    app.add_template_global(accepting.roster_markers, "transfer_markers")
