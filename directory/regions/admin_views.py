"""System-admin edits of regions: add a village/community, rename, merge."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from directory.core.errors import ValidationError
from directory.regions import editing as regions_edit
from directory.regions import services as regions
from directory.regions.forms import MergeForm, RenameForm, VillageForm
from directory.regions.picker import REFINE_BUTTON
from directory.regions.views import bp, show_context
from directory.web.rendering import render
from directory.web.responses import redirect_after_change


def _admin_chain(code: str) -> list[Any]:
    """The region's chain, after checking the user is a system admin (403 otherwise)."""
    if not current_user.is_admin:
        abort(403)
    return regions.region_chain(code)


def _actor() -> Any:
    return current_user._get_current_object()


def _again(chain: list[Any], status: int = 422, **forms: Any) -> tuple[str, int]:
    """The region page (or its admin block for htmx) with the given forms and their errors."""
    return render("regions/show.html", "admin", **show_context(chain, **forms)), status


@bp.route("/<code>/rename", methods=["POST"])
@login_required
def rename(code: str) -> Response | tuple[str, int]:
    """Rename a region."""
    chain = _admin_chain(code)
    form = RenameForm()
    if form.validate_on_submit():
        try:
            region = regions_edit.rename_region(_actor(), code, form.name.data)
        except ValidationError as err:
            form.add_service_error(err, "name")
        else:
            flash(_("已更名为“%(name)s”。", name=region.name), "success")
            return redirect_after_change(url_for("regions.show", code=code))
    return _again(chain, rename_form=form)


@bp.route("/<code>/villages", methods=["POST"])
@login_required
def add_village(code: str) -> Response | tuple[str, int]:
    """Add a village or community under a township."""
    chain = _admin_chain(code)
    if chain[-1].level.value != "township":
        raise ValidationError(_("村/社区只能添加在乡级区划（乡镇、街道）下。"))
    form = VillageForm()
    if form.validate_on_submit():
        try:
            village = regions_edit.add_village(
                _actor(), code, form.name.data, form.code.data or None
            )
        except ValidationError as err:
            form.add_service_error(err, "name")
        else:
            flash(
                _("已添加“%(name)s”（%(code)s）。", name=village.name, code=village.code), "success"
            )
            return redirect_after_change(url_for("regions.show", code=code))
    return _again(chain, village_form=form)


@bp.route("/<code>/merge", methods=["POST"])
@login_required
def merge(code: str) -> Response | tuple[str, int]:
    """Merge this region into another region of the same level."""
    chain = _admin_chain(code)
    form = MergeForm()
    if REFINE_BUTTON in request.form:
        # No-JavaScript picker: show the next level, validate nothing yet.
        return _again(chain, status=200, merge_form=form)
    if form.validate_on_submit():
        source = chain[-1].name
        try:
            target = regions_edit.merge_regions(_actor(), code, form.target.data)
        except ValidationError as err:
            form.add_service_error(err, "target")
        else:
            flash(_("已将“%(a)s”并入“%(b)s”。", a=source, b=target.name), "success")
            return redirect_after_change(url_for("regions.show", code=target.code))
    elif not form.target.data:
        form.target.errors = [*list(form.target.errors), _("请选择要并入的地区。")]
    return _again(chain, merge_form=form)
