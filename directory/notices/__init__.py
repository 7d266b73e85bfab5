"""Notices (通知公告) down the organisation tree, with coverage and reminders."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the blueprint, the delivery job (`notices.deliver`) and the list receiver."""
    from directory.core.signals import list_removed
    from directory.notices import jobs, services, views  # noqa: F401  # jobs registers its task

    app.register_blueprint(views.bp)
    list_removed.connect(services.forget_removed_list)
