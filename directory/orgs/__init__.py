"""The organisation tree (团组织): browsing and management (blueprint `orgs`)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, commands and hooks."""
    # manage_views add routes to the blueprint of views.
    from directory.core.signals import region_merging
    from directory.orgs import manage_views, services, views  # noqa: F401
    from directory.web.pages import add_page_part

    app.register_blueprint(views.bp)
    # A region's page counts and lists the organisations in it; a merge moves them.
    add_page_part(app, "regions.index", views.region_page_part)
    add_page_part(app, "regions.show", views.region_page_part)
    region_merging.connect(services.move_region)
