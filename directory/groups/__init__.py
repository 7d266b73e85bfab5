"""Groups and discussions (群组): blueprint `groups`, automatic organisation groups,
post search, `flask groups`."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, commands and hooks."""
    # member_views, thread_views, search_views add routes to the blueprint of views.
    from directory.groups import cli, member_views, org_groups, search_views, thread_views, views  # noqa: F401
    from directory.groups.post_search import PostDocuments
    from directory.search.documents import register_doc_type

    app.register_blueprint(views.bp)
    cli.register(app)
    org_groups.connect()
    register_doc_type(PostDocuments())
