"""Liaison assignments (定点联系): committee members assigned to the organisations below."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprint and its parts of the organisation page and profile."""
    from directory.liaison import views
    from directory.web.pages import add_page_part

    app.register_blueprint(views.bp)
    add_page_part(app, "orgs.show", views.org_page_part)
    add_page_part(app, "people.show", views.profile_part)
