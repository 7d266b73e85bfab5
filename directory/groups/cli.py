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


def register(app: Flask) -> None:
    """Add the `groups` command group to the app."""
    app.cli.add_command(groups_cli)
