"""Accounts: sign-in, invitations and passwords (blueprint `auth`); account
administration (blueprint `admin`); the Flask-Login loader; `flask accounts`."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, commands and hooks."""
    from directory.accounts import admin_views, auth_views, cli, loader

    app.register_blueprint(auth_views.bp)
    app.register_blueprint(admin_views.bp)
    cli.register(app)
    loader.init_app(app)
