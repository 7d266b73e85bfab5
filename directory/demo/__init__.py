"""The demo world: `flask seed-demo`."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, commands and hooks."""
    from directory.demo import cli

    cli.register(app)
