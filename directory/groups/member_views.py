"""Roster, invitations, join requests, removal and bans, roles, moderation log."""

from __future__ import annotations

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from directory.core.errors import DomainError, NotFound, PermissionDenied
from directory.extensions import db
from directory.groups import membership, roles
from directory.groups import services as group_service
from directory.groups.forms import InviteForm, RemoveForm
from directory.groups.view_helpers import join_limit, load
from directory.groups.views import bp
from directory.people.models import Person
from directory.people.permissions import ContactPolicy
from directory.web.args import parse_id
from directory.web.rendering import render, wants_fragment
from directory.web.responses import redirect_after_change


@bp.route("/<id:group_id>/members")
@login_required
def members(group_id: int) -> str:
    group, access = load(group_id)
    if not access.can_read:
        raise PermissionDenied(_("只有成员可以查看成员名单。"))
    rows = group_service.roster(group)
    policy = ContactPolicy(current_user, [m.person for m in rows])
    return render(
        "groups/members.html",
        "content",
        group=group,
        access=access,
        rows=rows,
        policy=policy,
        invite_form=InviteForm(),
        remove_form=RemoveForm(),
        bans=roles.bans(group) if access.can_moderate else [],
    )


def _find_person(text: str) -> Person:
    text = text.strip()
    if text.isascii() and text.isdigit():
        person_id = parse_id(text)
        person = db.session.get(Person, person_id) if person_id is not None else None
    else:
        person = db.session.scalar(select(Person).where(Person.email == text.lower()))
    if person is None or not person.is_active_account:
        raise NotFound(_("找不到此人：%(text)s", text=text[:100]))
    return person


@bp.route("/<id:group_id>/invite", methods=["POST"])
@login_required
@join_limit
def invite(group_id: int) -> Response | tuple[str, int]:
    group, access = load(group_id)
    group_service.require_moderator(access)
    form = InviteForm()
    if not form.validate():
        return _members_with_error(group_id, form)
    try:
        person = _find_person(form.person.data or "")
        membership.invite(current_user, group, access, person)
    except DomainError as err:
        form.add_service_error(err, "person")
        return _members_with_error(group_id, form, err.status)
    return redirect_after_change(
        url_for("groups.members", group_id=group.id), _("已发出邀请：%(name)s", name=person.name)
    )


def _members_with_error(group_id: int, form: InviteForm, status: int = 422) -> tuple[str, int]:
    group, access = load(group_id)
    rows = group_service.roster(group)
    return render(
        "groups/members.html",
        "invite",
        group=group,
        access=access,
        rows=rows,
        policy=ContactPolicy(current_user, [m.person for m in rows]),
        invite_form=form,
        remove_form=RemoveForm(),
        bans=roles.bans(group),
    ), status


@bp.route("/<id:group_id>/members/<id:person_id>/remove", methods=["POST"])
@login_required
def remove(group_id: int, person_id: int) -> Response:
    group, access = load(group_id)
    form = RemoveForm()
    if not form.validate():
        abort(422)
    roles.remove_member(
        current_user, group, access, person_id, bool(form.ban.data), form.reason.data or ""
    )
    message = _("已移出并禁止再次加入。") if form.ban.data else _("已移出群组。")
    return redirect_after_change(url_for("groups.members", group_id=group.id), message)


@bp.route("/<id:group_id>/bans/<id:person_id>/lift", methods=["POST"])
@login_required
def unban(group_id: int, person_id: int) -> Response:
    group, access = load(group_id)
    roles.unban(current_user, group, access, person_id)
    return redirect_after_change(url_for("groups.members", group_id=group.id), _("已解除禁止。"))


@bp.route("/<id:group_id>/members/<id:person_id>/role", methods=["POST"])
@login_required
def role(group_id: int, person_id: int) -> Response:
    group, access = load(group_id)
    value = request.form.get("role")
    if value not in ("moderator", "member"):
        abort(422)
    roles.set_role(current_user, group, access, person_id, value == "moderator")
    return redirect_after_change(url_for("groups.members", group_id=group.id), _("角色已更新。"))


@bp.route("/<id:group_id>/members/<id:person_id>/hand-over", methods=["POST"])
@login_required
def hand_over(group_id: int, person_id: int) -> Response:
    group, access = load(group_id)
    roles.hand_over(current_user, group, access, person_id)
    return redirect_after_change(url_for("groups.members", group_id=group.id), _("群组已移交。"))


@bp.route("/<id:group_id>/requests")
@login_required
def requests(group_id: int) -> str:
    group, access = load(group_id)
    group_service.require_moderator(access)
    items = membership.requests(group)
    return render("groups/requests.html", None, group=group, access=access, items=items)


@bp.route("/<id:group_id>/requests/<id:request_id>", methods=["POST"])
@login_required
def decide(group_id: int, request_id: int) -> Response | str:
    group, access = load(group_id)
    action = request.form.get("decision")
    if action not in ("approve", "decline"):
        abort(422)
    req = membership.decide_request(current_user, group, access, request_id, action == "approve")
    if wants_fragment():
        return render("groups/_request_row.html", None, group=group, r=req)
    message = _("已同意申请。") if action == "approve" else _("已拒绝申请。")
    return redirect_after_change(url_for("groups.requests", group_id=group.id), message)


@bp.route("/<id:group_id>/log")
@login_required
def log(group_id: int) -> str:
    group, access = load(group_id)
    group_service.require_moderator(access)
    return render(
        "groups/log.html",
        None,
        group=group,
        entries=group_service.moderation_log(group),
        action_labels=_action_labels(),
    )


def _action_labels() -> dict[str, str]:
    return {
        "create": _("创建群组"),
        "edit": _("修改群组资料"),
        "approve": _("同意加入申请"),
        "decline": _("拒绝加入申请"),
        "invite": _("邀请"),
        "remove": _("移出成员"),
        "ban": _("移出并禁止"),
        "unban": _("解除禁止"),
        "appoint": _("任命管理员"),
        "demote": _("取消管理员"),
        "hand_over": _("移交群组"),
        "pin": _("置顶话题"),
        "unpin": _("取消置顶"),
        "lock": _("锁定话题"),
        "unlock": _("解除锁定"),
        "hide": _("隐藏回帖"),
        "restore": _("恢复回帖"),
        "delete": _("删除回帖"),
        "edit_post": _("修改他人回帖"),
        "report_hidden": _("处理举报：隐藏"),
        "report_dismissed": _("处理举报：驳回"),
    }
