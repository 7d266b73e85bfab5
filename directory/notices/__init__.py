"""Notices (通知公告) down the organisation tree, with coverage and reminders."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint and the delivery job (`notices.deliver`)."""
    from directory.notices import jobs, views  # noqa: F401  # jobs registers its task

    app.register_blueprint(views.bp)
