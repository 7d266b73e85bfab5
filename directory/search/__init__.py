"""Directory search: documents, outbox sync, Whoosh and PostgreSQL backends (docs/SEARCH.md).

Kept light: importing this package does not load the backends or jieba's dictionary.
"""

from __future__ import annotations

from flask import Flask

DEFAULTS = {
    "SEARCH_BACKEND": "whoosh",
    "SEARCH_AUTO_DRAIN": True,  # drain the outbox right after each commit that wrote to it
    "SEARCH_LOCK_TIMEOUT": 2.0,  # seconds to wait for the index writer lock
    "SEARCH_DRAIN_ON_START": True,
}


def init_app(app: Flask) -> None:
    """Install the outbox listeners, check the backend name, register the page and CLI."""
    from directory.core.signals import positions_changed
    from directory.search import cli, models, outbox, views  # noqa: F401  (models: the tables)
    from directory.search.backends import make_backend

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    outbox.install_listeners()
    # Positions changed (a claim decided by a conditional UPDATE, a transfer accepted ...):
    # the person's document is queued in the same transaction.
    positions_changed.connect(outbox.person_changed)
    app.extensions["search_backend"] = make_backend(app.config["SEARCH_BACKEND"], app.config)
    app.register_blueprint(views.bp)
    cli.register(app)


def start(app: Flask) -> None:
    """Drain what a crash left in the outbox; call once every document type is registered."""
    from directory.search import sync

    if app.config["SEARCH_DRAIN_ON_START"]:
        sync.drain_on_start(app)
