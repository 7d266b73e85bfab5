"""Managing the tree: create, edit and dissolve organisations (their admins: people/org_admin_views.py)."""

from __future__ import annotations

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from directory.core.enums import OrgLevel
from directory.core.errors import PermissionDenied, ValidationError
from directory.orgs import services as service
from directory.orgs.forms import OrgForm, wants_refine
from directory.orgs.permissions import can_create_top_level
from directory.orgs.views import bp
from directory.web.rendering import render
from directory.web.responses import redirect_after_change

Page = BaseResponse | str | tuple[str, int]


@bp.route("/new", methods=["GET", "POST"], defaults={"org_id": None})
@bp.route("/<id:org_id>/new", methods=["GET", "POST"])
@login_required
def new(org_id: int | None) -> Page:
    """Create a top-level organisation (system admins) or a child of `org_id`."""
    parent = None
    if org_id is None:
        if not can_create_top_level(current_user):
            raise PermissionDenied(_("只有系统管理员可以创建顶级团组织。"))
    else:
        parent = service.managed_org(current_user, org_id, live=True)
    form = OrgForm(parent=parent)
    if not wants_refine(request.form) and form.validate_on_submit():
        try:
            org = service.create_organisation(
                current_user,
                parent_id=org_id,
                name=form.name.data,
                level=form.level.data,
                sector=form.sector.data,
                region_code=form.region_code.data,
            )
        except ValidationError as err:
            form.add_service_error(err, "name")
        else:
            flash(_("已创建团组织“%(name)s”。", name=org.name), "success")
            return redirect_after_change(url_for("orgs.show", org_id=org.id))
    status = 422 if form.errors else 200
    leaf = parent is not None and parent.level == OrgLevel.BRANCH
    heading = _("新建下级组织") if parent else _("新建顶级团组织")
    page = render(
        "orgs/form.html",
        "form",
        form=form,
        parent=parent,
        org=None,
        leaf=leaf,
        heading=heading,
    )
    return page, status


@bp.route("/<id:org_id>/edit", methods=["GET", "POST"])
@login_required
def edit(org_id: int) -> Page:
    """Change an organisation's name, sector and region."""
    org = service.managed_org(current_user, org_id, live=True)
    form = OrgForm(editing=True, obj=None if request.method == "POST" else org)
    if request.method == "GET":
        form.sector.data = org.sector.value if org.sector else ""
        form.region_code.data = org.region.code
    if not wants_refine(request.form) and form.validate_on_submit():
        try:
            service.update_organisation(
                current_user,
                org.id,
                name=form.name.data,
                sector=form.sector.data,
                region_code=form.region_code.data,
            )
        except ValidationError as err:
            form.add_service_error(err, "name")
        else:
            flash(_("已保存。"), "success")
            return redirect_after_change(url_for("orgs.show", org_id=org.id))
    status = 422 if form.errors else 200
    page = render(
        "orgs/form.html",
        "form",
        form=form,
        parent=None,
        org=org,
        heading=_("编辑团组织"),
    )
    return page, status


@bp.route("/<id:org_id>/dissolve", methods=["GET", "POST"])
@login_required
def dissolve(org_id: int) -> Page:
    """Confirm, then mark the organisation dissolved (refused while it is in use)."""
    org = service.managed_org(current_user, org_id, live=True)
    error = None
    if request.method == "POST":
        try:
            service.dissolve_organisation(current_user, org.id)
        except ValidationError as err:
            error = err.message
        else:
            flash(_("团组织“%(name)s”已撤销。", name=org.name), "success")
            return redirect_after_change(url_for("orgs.show", org_id=org.id))
    status = 422 if error else 200
    return render("orgs/dissolve.html", "confirm", org=org, error=error), status
