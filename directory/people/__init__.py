"""People (团干部): profiles, career history and contact privacy (blueprint `people`)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, commands and hooks."""
    # position_views and claim_views add routes to the blueprint of views.
    from directory.core.signals import org_dissolving
    from directory.people import (  # noqa: F401
        claim_views,
        org_admin_views,
        org_admins,
        org_pages,
        position_views,
        views,
    )
    from directory.web.pages import add_page_part

    app.register_blueprint(views.bp)
    # The organisation pages' people: an organisation's admins page (under the orgs
    # blueprint's URLs and endpoint names), its cadres, admins and roster, the cadre counts
    # of the tree; and current cadres keep an organisation from being dissolved.
    for rule, endpoint, view, methods in org_admin_views.ROUTES:
        app.add_url_rule(rule, endpoint, view, methods=methods)
    add_page_part(app, "orgs.show", org_pages.org_page_part)
    for page in ("orgs.index", "orgs.children", "orgs.show"):
        add_page_part(app, page, org_pages.tree_part)
    org_dissolving.connect(org_admins.current_posts_keep)
