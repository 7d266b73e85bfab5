"""`flask backup` / `flask restore`: the database, the attachments and a manifest in one
archive; the search index is rebuilt after a restore, never backed up (docs/DEPLOY.md)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the commands."""
    from directory.backup import cli

    cli.register(app)
