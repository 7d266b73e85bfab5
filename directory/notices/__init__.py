"""Notices (通知公告) down the organisation tree, with coverage and reminders."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint and, when directory/jobs is there, the delivery job."""
    from directory.notices import views

    app.register_blueprint(views.bp)
    from directory.notices import jobs

    jobs.register()
