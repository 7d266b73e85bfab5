"""`flask` commands. Each area keeps its commands in its own module here."""

from __future__ import annotations

import importlib

from flask import Flask

# Modules that define `register(app)`.
MODULES = ("accounts", "demo", "regions", "groups", "transfers", "search")


def init_app(app: Flask) -> None:
    for name in MODULES:
        importlib.import_module(f"directory.cli.{name}").register(app)
