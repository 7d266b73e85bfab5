"""Roster, invitations, join requests, removal and bans, roles, moderation log."""

from __future__ import annotations

from contextlib import suppress

from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.wrappers import Response

from directory.core.errors import DomainError, PermissionDenied
from directory.extensions import db
from directory.groups import membership, roles
from directory.groups import services as group_service
from directory.groups.forms import InviteForm, RemoveForm
from directory.groups.view_helpers import invite_limit, load
from directory.groups.views import bp
from directory.people.models import Person
from directory.people.permissions import ContactPolicy
from directory.people.picker import person_choice
from directory.people.services import pick_people
from directory.web.picker import resolve
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


def _people_by_text(text: str) -> list[Person]:
    """An exact e-mail address, else people matching the name, pinyin or organisation."""
    if "@" in text:
        found = db.session.scalar(select(Person).where(Person.email == text.lower()))
        if found is None or not found.is_active_account:
            return []
        # Only someone whose e-mail the inviter may see is named (no address oracle).
        return [found] if ContactPolicy(current_user, [found]).can_view(found, "email") else []
    return pick_people(text)


def _active_person(person_id: int) -> Person | None:
    person = db.session.get(Person, person_id)
    return person if person is not None and person.is_active_account else None


def _invite_by_email(group_id: int, address: str) -> Response | None:
    """Invite by e-mail without becoming an oracle for addresses the inviter may not see.

    Returns None when the inviter may see this person's e-mail anyway (the caller then
    answers with names and conflicts as usual); otherwise invites if there is someone
    to invite and answers the same way whether or not the address exists.
    """
    address = address.strip().lower()
    person = db.session.scalar(select(Person).where(Person.email == address))
    if (
        person is not None
        and person.is_active_account
        and ContactPolicy(current_user, [person]).can_view(person, "email")
    ):
        return None
    if person is not None and person.is_active_account:
        group, access = load(group_id)
        # Already a member, banned or invited: the answer says nothing of it.
        with suppress(DomainError):
            membership.invite(current_user, group, access, person)
    return redirect_after_change(
        url_for("groups.members", group_id=group_id),
        _("如果 %(email)s 是团友录用户的邮箱，对方会收到邀请。", email=address[:254]),
    )


@bp.route("/<id:group_id>/invite", methods=["POST"])
@login_required
@invite_limit
def invite(group_id: int) -> Response | tuple[str, int]:
    group, access = load(group_id)
    group_service.require_moderator(access)
    form = InviteForm()
    person = None
    if form.validate():
        text = (form.person.text or "").strip()
        if "@" in text and (neutral := _invite_by_email(group.id, text)) is not None:
            return neutral
        person = resolve(
            form.person, _active_person, _people_by_text, person_choice,
            missing=_("请选择要邀请的人。"),
            not_found=_("找不到此人：%(text)s", text=form.person.text),
        )  # fmt: skip
    if person is None:
        return _members_with_error(group_id, form, 404 if form.person.not_found else 422)
    try:
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
