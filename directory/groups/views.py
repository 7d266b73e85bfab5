"""Group list, creation, group page, joining and leaving, notification settings."""

from __future__ import annotations

from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from werkzeug.wrappers import Response

from directory.accounts.next_url import safe_next
from directory.core.errors import ValidationError
from directory.core.numbers import is_region_code
from directory.extensions import db
from directory.groups import membership, reading
from directory.groups import notify as group_notify
from directory.groups import services as group_service
from directory.groups.forms import GroupForm, RequestForm
from directory.groups.models import Group, GroupVisibility, JoinPolicy
from directory.groups.permissions import GroupAccess
from directory.groups.view_helpers import create_limit, join_limit, load
from directory.orgs.forms import wants_refine
from directory.orgs.picker import org_choice, org_picker, pick_org
from directory.regions.models import Region
from directory.web.args import page_arg
from directory.web.rendering import render, wants_fragment
from directory.web.responses import redirect_after_change

bp = Blueprint("groups", __name__, url_prefix="/groups")

PAGE = 30


@bp.route("/")
@login_required
def index() -> str:
    """The group list: mine first; filters by name, kind and region; organisation paths."""
    q = request.args.get("q", "")[:100]
    mine = request.args.get("mine") == "1"
    kind = request.args.get("kind", "")
    if kind not in group_service.KINDS:
        kind = ""
    code = request.args.get("region", "")
    region = (
        db.session.scalar(select(Region).where(Region.code == code))
        if is_region_code(code)
        else None
    )
    page = page_arg()
    result = group_service.list_groups(
        current_user, q, mine=mine, page=page, per_page=PAGE, kind=kind, region=region
    )
    roles = group_service.my_roles(current_user, [g.id for g in result.items])
    # The cities (and provinces) that have groups, for the region filter.
    prefixes = select(func.substr(Region.code, 1, 4)).join(Group, Group.region_id == Region.id)
    regions = list(
        db.session.scalars(
            select(Region)
            .where(
                or_(
                    Region.code.in_(prefixes),
                    Region.code.in_(
                        select(func.substr(Region.code, 1, 2)).join(
                            Group, Group.region_id == Region.id
                        )
                    ),
                )
            )
            .order_by(Region.code)
        )
    )
    args = {"q": q or None, "mine": "1" if mine else None, "kind": kind or None}
    args["region"] = region.code if region else None
    return render(
        "groups/index.html",
        "results",
        items=result.items,
        total=result.total,
        roles=roles,
        paths=group_service.org_paths(result.items),
        q=q,
        mine=mine,
        kind=kind,
        region=region,
        regions=regions,
        args=args,
        page=page,
        more=result.has_next,
        small=group_service.ORG_GROUP_LIST_MIN,
    )


def _input(form: GroupForm) -> group_service.GroupInput:
    region_id = org_id = None
    if form.region.data:
        region_id = db.session.scalar(select(Region.id).where(Region.code == form.region.data))
        if region_id is None:
            raise ValidationError(_("找不到该行政区划代码。"), field="region")
    if form.organisation.data or form.organisation.text:
        org = pick_org(form.organisation)
        if org is None:  # the field already says why (and lists the candidates)
            raise ValidationError(form.organisation.errors[-1], field="organisation")
        org_id = org.id
    return group_service.GroupInput(
        name=form.name.data or "",
        description=form.description.data or "",
        join_policy=JoinPolicy(form.join_policy.data),
        visibility=GroupVisibility(form.visibility.data),
        region_id=region_id,
        organisation_id=org_id,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
@create_limit
def new() -> Response | tuple[str, int] | str:
    form = GroupForm()
    if not wants_refine(request.form) and form.validate_on_submit():
        try:
            group = group_service.create_group(current_user, _input(form))
        except ValidationError as err:
            form.add_service_error(err, "name")
        else:
            return redirect_after_change(
                url_for("groups.show", group_id=group.id), _("群组已创建。")
            )
    status = 422 if form.errors else 200
    return render("groups/form.html", "form", form=form, group=None), status


@bp.route("/<id:group_id>/edit", methods=["GET", "POST"])
@login_required
def edit(group_id: int) -> Response | tuple[str, int] | str:
    group, access = load(group_id)
    group_service.require_moderator(access)
    form = GroupForm(obj=group)
    if request.method == "GET":
        form.join_policy.data = group.join_policy.value
        form.visibility.data = group.visibility.value
        form.region.data = group.region.code if group.region else ""
        form.organisation.show(org_choice(group.organisation) if group.organisation else None)
    elif not wants_refine(request.form) and form.validate_on_submit():
        try:
            group_service.update_group(current_user, group, access, _input(form))
        except ValidationError as err:
            form.add_service_error(err, "name")
        else:
            return redirect_after_change(url_for("groups.show", group_id=group.id), _("已保存。"))
    status = 422 if form.errors else 200
    return render("groups/form.html", "form", form=form, group=group), status


@bp.route("/<id:group_id>")
@login_required
def show(group_id: int) -> str:
    group, access = load(group_id)
    threads = reading.list_threads(group, page_arg()) if access.can_read else None
    return render(
        "groups/show.html",
        "thread_rows" if request.args.get("rows") else None,
        group=group,
        access=access,
        threads=threads.items if threads is not None else [],
        more=threads.has_next if threads is not None else False,
        page=page_arg(),
        request_form=RequestForm(),
    )


def _membership_changed(group: Group, message: str) -> Response | str:
    if wants_fragment():
        db.session.expire(group)
        access = GroupAccess(current_user, group)
        return render(
            "groups/show.html", "membership", group=group, access=access, request_form=RequestForm()
        )
    return redirect_after_change(url_for("groups.show", group_id=group.id), message)


@bp.route("/<id:group_id>/join", methods=["POST"])
@login_required
@join_limit
def join(group_id: int) -> Response | str:
    group, access = load(group_id)
    membership.join(current_user, group, access)
    back = request.args.get("next")
    if back and not wants_fragment():  # joined from a thread page: back there, to reply
        return redirect_after_change(safe_next(back), _("已加入群组。"))
    return _membership_changed(group, _("已加入群组。"))


@bp.route("/<id:group_id>/request", methods=["GET", "POST"])
@login_required
@join_limit
def request_join(group_id: int) -> Response | tuple[str, int] | str:
    group, access = load(group_id)
    form = RequestForm()
    if request.method == "POST":
        if form.validate():
            membership.request_to_join(current_user, group, access, form.message.data or "")
            return _membership_changed(group, _("申请已提交，请等待管理员处理。"))
        return render("groups/request_form.html", None, group=group, form=form), 422
    return render("groups/request_form.html", None, group=group, form=form)


@bp.route("/<id:group_id>/withdraw", methods=["POST"])
@login_required
def withdraw(group_id: int) -> Response | str:
    group, _access = load(group_id)
    membership.withdraw_request(current_user, group)
    return _membership_changed(group, _("申请已撤回。"))


@bp.route("/<id:group_id>/leave", methods=["POST"])
@login_required
def leave(group_id: int) -> Response | str:
    group, access = load(group_id)
    membership.leave(current_user, group, access)
    return _membership_changed(group, _("已退出群组。"))


@bp.route("/<id:group_id>/invitation", methods=["POST"])
@login_required
@join_limit
def invitation(group_id: int) -> Response | str:
    group, access = load(group_id)
    accept = request.form.get("answer") == "accept"
    membership.respond_to_invitation(current_user, group, access, accept)
    if not accept and not GroupAccess(current_user, group).can_see:
        return redirect_after_change(url_for("groups.index"), _("已谢绝邀请。"))
    return _membership_changed(group, _("已加入群组。") if accept else _("已谢绝邀请。"))


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def settings() -> Response | str:
    labels = {
        "group_reply": _("有人回复我的话题或回帖"),
        "group_mention": _("有人在回帖中提到我"),
        "group_join_request": _("有人申请加入我管理的群组"),
        "group_decision": _("我的加入申请有了结果"),
        "group_invitation": _("有人邀请我加入群组"),
        "group_report": _("我管理的群组有新的举报"),
    }
    if request.method == "POST":
        if request.form.get("save") != "1":
            abort(400)
        values = {
            kind: (
                request.form.get(f"{kind}-app") == "on",
                request.form.get(f"{kind}-email") == "on",
            )
            for kind in group_notify.NOTIFICATION_KINDS
        }
        group_notify.save_settings(current_user.id, values)
        return redirect_after_change(url_for("groups.settings"), _("通知设置已保存。"))
    return render(
        "groups/settings.html",
        None,
        labels=labels,
        values=group_notify.settings_for(current_user.id),
    )


@bp.route("/org-options")
@login_required
def org_options() -> str:
    """The organisation picker of the group form (see orgs.picker.org_picker)."""
    return org_picker()
