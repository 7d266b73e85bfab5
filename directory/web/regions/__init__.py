"""Regions (行政区划): browsing, the cascading picker, and system-admin edits."""

from flask import Blueprint

from directory.web.regions.picker import REFINE_BUTTON, picker_levels

bp = Blueprint("regions", __name__, url_prefix="/regions")
# Used by templates/regions/_picker.html, which other areas import.
bp.add_app_template_global(picker_levels, "region_picker_levels")
bp.record_once(lambda state: state.app.jinja_env.globals.update(region_picker_refine=REFINE_BUTTON))

from directory.web.regions import admin, views  # noqa: E402, F401
