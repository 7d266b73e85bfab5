"""Regions (行政区划): browsing, the cascading picker, system-admin edits, `flask regions`."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register this feature's blueprints, commands and hooks."""
    # admin_views add routes to the blueprint of views.
    from directory.regions import admin_views, cli, picker, views  # noqa: F401

    app.register_blueprint(views.bp)
    cli.register(app)
    # templates/regions/_picker.html, which other features include, calls these.
    app.add_template_global(picker.picker_levels, "region_picker_levels")
    # A constant, not a function: add_template_global is typed for callables.
    app.jinja_env.globals["region_picker_refine"] = picker.REFINE_BUTTON
