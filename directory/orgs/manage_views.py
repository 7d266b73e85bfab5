"""Managing the tree: create, edit, dissolve organisations and appoint their admins."""

from __future__ import annotations

from flask import flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from directory.core.enums import OrgLevel
from directory.core.errors import Conflict, PermissionDenied, ValidationError
from directory.extensions import db
from directory.orgs import queries
from directory.orgs import services as service
from directory.orgs.forms import AdminForm, OrgForm, wants_refine
from directory.orgs.models import Organisation
from directory.orgs.permissions import can_create_top_level, can_manage_org
from directory.orgs.views import bp
from directory.people.models import Person
from directory.people.picker import person_choice
from directory.people.services import pick_people
from directory.web.picker import PickerField, resolve
from directory.web.rendering import render, wants_fragment
from directory.web.responses import redirect_after_change

Page = BaseResponse | str | tuple[str, int]


def _manager_of(org_id: int, *, live: bool = False) -> Organisation:
    org = queries.get_org(org_id)
    if not can_manage_org(current_user, org):
        raise PermissionDenied(_("你没有管理该团组织的权限。"))
    if live and org.is_dissolved:
        raise Conflict(_("团组织“%(name)s”已撤销，不能再修改。", name=org.name))
    return org


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
        parent = _manager_of(org_id, live=True)
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
    org = _manager_of(org_id, live=True)
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
    org = _manager_of(org_id, live=True)
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


def pick_account(field: PickerField) -> Person | None:
    """The active account picked in `field`: by the autocomplete, or typed as a name, its
    pinyin, an organisation or an e-mail address (None with the reason on the field)."""

    def by_text(text: str) -> list[Person]:
        if "@" in text:
            found = db.session.scalar(
                select(Person).where(Person.email == text.lower()[:254], Person.is_active_account)
            )
            return [found] if found is not None else []
        return pick_people(text)

    return resolve(
        field,
        lambda i: db.session.scalar(select(Person).where(Person.id == i, Person.is_active_account)),
        by_text,
        person_choice,
        missing=_("请选择要设为管理员的人。"),
        not_found=_("找不到“%(text)s”，请输入姓名、拼音或电子邮箱。", text=field.text),
    )


def _admins_page(
    org: Organisation, form: AdminForm, status: int = 200, *, notice: str = "", error: str = ""
) -> tuple[str, int]:
    html = render(
        "orgs/admins.html",
        "admins",
        org=org,
        admins=queries.direct_admins(org),
        form=form,
        notice=notice,
        error=error,
    )
    return html, status


@bp.route("/<id:org_id>/admins", methods=["GET", "POST"])
@login_required
def admins(org_id: int) -> Page:
    """The organisation's admins; add one by picking an existing account."""
    org = _manager_of(org_id)
    form = AdminForm()
    if form.validate_on_submit() and (picked := pick_account(form.person)) is not None:
        try:
            person = service.add_org_admin(current_user, org.id, picked.id)
        except ValidationError as err:
            form.add_service_error(err, "person")
        else:
            notice = _("已将 %(name)s 设为管理员。", name=person.name)
            if wants_fragment():
                return _admins_page(org, AdminForm(formdata=None), notice=notice)
            return redirect_after_change(url_for("orgs.admins", org_id=org.id), notice)
    return _admins_page(org, form, 422 if request.method == "POST" else 200)


@bp.route("/<id:org_id>/admins/<id:person_id>/remove", methods=["POST"])
@login_required
def remove_admin(org_id: int, person_id: int) -> Page:
    """Remove one admin of the organisation."""
    org = _manager_of(org_id)
    try:
        service.remove_org_admin(current_user, org.id, person_id)
    except ValidationError as err:
        return _admins_page(org, AdminForm(formdata=None), 422, error=err.message)
    notice = _("已移除管理员。")
    if not can_manage_org(current_user, org):
        return redirect_after_change(url_for("orgs.show", org_id=org.id), notice)
    if wants_fragment():
        return _admins_page(org, AdminForm(formdata=None), notice=notice)
    return redirect_after_change(url_for("orgs.admins", org_id=org.id), notice)
