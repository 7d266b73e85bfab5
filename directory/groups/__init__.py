"""Groups and discussions (群组): blueprint `groups`, automatic organisation groups,
post search, `flask groups`."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, commands and hooks."""
    # member_views, thread_views, search_views add routes to the blueprint of views.
    from directory.core.signals import region_merging
    from directory.groups import (  # noqa: F401
        cli,
        member_views,
        org_groups,
        search_views,
        services,
        thread_views,
        views,
    )
    from directory.groups.post_search import PostDocuments
    from directory.search.documents import register_doc_type

    app.register_blueprint(views.bp)
    cli.register(app)
    org_groups.connect()
    region_merging.connect(services.move_region)  # a group's region follows a merge
    register_doc_type(PostDocuments())
