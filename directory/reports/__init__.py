"""Information reports (信息报送) up the organisation tree, with adoption and statistics."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprint."""
    from directory.reports import views

    app.register_blueprint(views.bp)
