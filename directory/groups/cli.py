"""`flask groups ...`: maintenance of the groups area."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

groups_cli = AppGroup("groups", help="Groups and discussions.")


@groups_cli.command("sync-org-groups")
def sync_org_groups() -> None:
    """Create the automatic organisation groups and bring their members in step."""
    from directory.groups.org_groups import sync_all_org_groups

    count = sync_all_org_groups()
    click.echo(f"synced automatic groups for {count} people")


@groups_cli.command("rerender-posts")
def rerender_posts() -> None:
    """Render every stored post's HTML again (idempotent; run after each upgrade)."""

    from directory.groups.posts import rerender_stored_posts
    from directory.web.links import offline_request

    # Mentions link to profile paths: built as a request to the canonical base would be
    # (its path prefix included).
    with offline_request():
        seen, changed = rerender_stored_posts()
    click.echo(f"re-rendered {changed} of {seen} posts")


def register(app: Flask) -> None:
    """Add the `groups` command group to the app."""
    app.cli.add_command(groups_cli)
