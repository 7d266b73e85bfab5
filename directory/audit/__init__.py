"""The audit log (blueprint `audit` at /audit): who signed in, revealed, exported, imported,
granted, decided and moderated what. Append-only in the database itself.

`record(...)` is the one call other features use, inside their own unit of work.
"""

from __future__ import annotations

from flask import Flask

from directory.audit.record import record, record_once

__all__ = ["init_app", "record", "record_once"]


def init_app(app: Flask) -> None:
    """Register the blueprint and the `flask audit` commands."""
    from directory.audit import cli, views

    app.config.setdefault("AUDIT_RETENTION_DAYS", 3 * 365)
    app.register_blueprint(views.bp)
    cli.register(app)
