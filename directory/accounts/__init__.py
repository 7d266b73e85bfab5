"""Accounts: sign-in, invitations and passwords (blueprint `auth`); account
administration (blueprint `admin`); the Flask-Login loader; `flask accounts`."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, commands and hooks."""
    from directory.accounts import admin_views, auth_views, cli, loader
    from directory.people.permissions import is_any_org_admin
    from directory.web import restrict_nav_item

    app.register_blueprint(auth_views.bp)
    app.register_blueprint(admin_views.bp)
    cli.register(app)
    loader.init_app(app)
    # The admin section (管理) is for organisation and system admins.
    restrict_nav_item(app, "admin.index", is_any_org_admin)
