"""In-app notifications and the bell (blueprint `notifications`)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, commands and hooks."""
    from directory.notifications import views

    app.register_blueprint(views.bp)
    # The layout's bell (templates/base.html) on every full page.
    app.add_template_global(views.unread_notifications, "notification_unread")
