"""Group membership workflows: join, requests, invitations, removal, bans, roles, hand-over.

Each transition checks the actor's permission and the current state in the same
UPDATE (a request decided twice answers 409), writes a moderation-log row when a
moderator acts, and notifies the people concerned, all in one transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import joinedload

from directory.extensions import db
from directory.models import (
    Group,
    GroupBan,
    GroupMember,
    JoinPolicy,
    JoinRequest,
    MemberRole,
    Person,
    RequestKind,
    RequestStatus,
)
from directory.permissions.groups import GroupAccess
from directory.services.errors import Conflict, NotFound, PermissionDenied, ValidationError
from directory.services.groups import (
    dispatch,
    log_action,
    moderator_ids,
    require_moderator,
    send_queued_mail,
)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _link(group: Group) -> str:
    return url_for("groups.show", group_id=group.id)


def _not_automatic(group: Group) -> None:
    if group.is_automatic:
        raise ValidationError(_("组织群组的成员由职务自动决定，不能手动加入或移除。"))


def _add_member(group: Group, person_id: int, role: MemberRole = MemberRole.MEMBER) -> None:
    db.session.add(GroupMember(group_id=group.id, person_id=person_id, role=role))
    db.session.execute(
        update(Group).where(Group.id == group.id).values(member_count=Group.member_count + 1)
    )


def _commit() -> None:
    db.session.commit()
    send_queued_mail()


def join(actor: Person, group: Group, access: GroupAccess) -> None:
    """Join an open group."""
    _not_automatic(group)
    if access.is_member:
        raise Conflict(_("你已经是该群组成员。"))
    if access.banned:
        raise PermissionDenied(_("你已被该群组禁止加入。"))
    if group.join_policy != JoinPolicy.OPEN:
        raise PermissionDenied(_("该群组不能直接加入。"))
    _add_member(group, actor.id)
    _commit()


def request_to_join(actor: Person, group: Group, access: GroupAccess, message: str = "") -> None:
    """Ask the moderators of a by-request group to let the actor in."""
    _not_automatic(group)
    if access.is_member:
        raise Conflict(_("你已经是该群组成员。"))
    if access.banned:
        raise PermissionDenied(_("你已被该群组禁止加入。"))
    if group.join_policy != JoinPolicy.REQUEST:
        raise PermissionDenied(_("该群组不接受加入申请。"))
    if access.pending_request:
        raise Conflict(_("你已提交过申请，请等待管理员处理。"))
    if len(message) > 500:
        raise ValidationError(_("申请留言最多 500 个字。"), field="message")
    db.session.add(
        JoinRequest(
            group_id=group.id, person_id=actor.id, kind=RequestKind.REQUEST, message=message
        )
    )
    dispatch(
        moderator_ids(group),
        "group_join_request",
        _("%(name)s 申请加入群组“%(group)s”", name=actor.name, group=group.name),
        url_for("groups.requests", group_id=group.id),
    )
    _commit()


def withdraw_request(actor: Person, group: Group) -> None:
    """Withdraw the actor's own pending request."""
    count = db.session.execute(
        update(JoinRequest)
        .where(
            JoinRequest.group_id == group.id,
            JoinRequest.person_id == actor.id,
            JoinRequest.kind == RequestKind.REQUEST,
            JoinRequest.status == RequestStatus.PENDING,
        )
        .values(status=RequestStatus.WITHDRAWN, decided_at=_now(), decided_by_id=actor.id)
    ).rowcount  # type: ignore[attr-defined]
    if not count:
        db.session.rollback()
        raise Conflict(_("没有待处理的申请。"))
    _commit()


def decide_request(
    actor: Person, group: Group, access: GroupAccess, request_id: int, approve: bool
) -> JoinRequest:
    """Approve or decline a pending join request (moderators)."""
    require_moderator(access)
    req = db.session.scalar(
        select(JoinRequest)
        .options(joinedload(JoinRequest.person))
        .where(
            JoinRequest.id == request_id,
            JoinRequest.group_id == group.id,
            JoinRequest.kind == RequestKind.REQUEST,
        )
    )
    if req is None:
        raise NotFound(_("申请不存在。"))
    status = RequestStatus.APPROVED if approve else RequestStatus.DECLINED
    count = db.session.execute(
        update(JoinRequest)
        .where(JoinRequest.id == req.id, JoinRequest.status == RequestStatus.PENDING)
        .values(status=status, decided_at=_now(), decided_by_id=actor.id)
    ).rowcount  # type: ignore[attr-defined]
    if not count:
        db.session.rollback()
        raise Conflict(_("该申请已被处理。"))
    if approve:
        banned = db.session.scalar(
            select(GroupBan.id).where(
                GroupBan.group_id == group.id, GroupBan.person_id == req.person_id
            )
        )
        member = db.session.scalar(
            select(GroupMember.id).where(
                GroupMember.group_id == group.id, GroupMember.person_id == req.person_id
            )
        )
        if banned:
            db.session.rollback()
            raise Conflict(_("该用户已被禁止加入，请先解除禁止。"))
        if member is None:
            _add_member(group, req.person_id)
        message = _("你加入群组“%(group)s”的申请已通过", group=group.name)
    else:
        message = _("你加入群组“%(group)s”的申请未通过", group=group.name)
    log_action(
        group.id,
        actor.id,
        "approve" if approve else "decline",
        target_person_id=req.person_id,
    )
    dispatch([req.person_id], "group_decision", message, _link(group))
    _commit()
    db.session.refresh(req)
    return req


def invite(actor: Person, group: Group, access: GroupAccess, person: Person) -> None:
    """Invite someone (moderators); they accept or decline."""
    require_moderator(access)
    _not_automatic(group)
    in_group = db.session.scalar(
        select(GroupMember.id).where(
            GroupMember.group_id == group.id, GroupMember.person_id == person.id
        )
    )
    if in_group:
        raise Conflict(_("%(name)s 已经是成员。", name=person.name))
    if db.session.scalar(
        select(GroupBan.id).where(GroupBan.group_id == group.id, GroupBan.person_id == person.id)
    ):
        raise Conflict(_("%(name)s 已被禁止加入，请先解除禁止。", name=person.name))
    pending = db.session.scalar(
        select(JoinRequest.id).where(
            JoinRequest.group_id == group.id,
            JoinRequest.person_id == person.id,
            JoinRequest.kind == RequestKind.INVITATION,
            JoinRequest.status == RequestStatus.PENDING,
        )
    )
    if pending:
        raise Conflict(_("已经邀请过 %(name)s，等待对方回应。", name=person.name))
    db.session.add(
        JoinRequest(
            group_id=group.id,
            person_id=person.id,
            kind=RequestKind.INVITATION,
            invited_by_id=actor.id,
        )
    )
    log_action(group.id, actor.id, "invite", target_person_id=person.id)
    dispatch(
        [person.id],
        "group_invitation",
        _("%(name)s 邀请你加入群组“%(group)s”", name=actor.name, group=group.name),
        _link(group),
    )
    _commit()


def respond_to_invitation(actor: Person, group: Group, access: GroupAccess, accept: bool) -> None:
    """The invited person accepts or declines."""
    inv = access.pending_invitation
    if inv is None:
        raise NotFound(_("没有待回应的邀请。"))
    status = RequestStatus.APPROVED if accept else RequestStatus.DECLINED
    count = db.session.execute(
        update(JoinRequest)
        .where(JoinRequest.id == inv.id, JoinRequest.status == RequestStatus.PENDING)
        .values(status=status, decided_at=_now(), decided_by_id=actor.id)
    ).rowcount  # type: ignore[attr-defined]
    if not count:
        db.session.rollback()
        raise Conflict(_("该邀请已处理。"))
    if accept and not access.is_member:
        _add_member(group, actor.id)
    _commit()


def leave(actor: Person, group: Group, access: GroupAccess) -> None:
    """Leave a group (the owner hands it over first)."""
    _not_automatic(group)
    if not access.is_member:
        raise Conflict(_("你不是该群组成员。"))
    if access.is_owner:
        raise ValidationError(_("群主需要先把群组移交给其他成员。"))
    _remove(group, actor.id)
    _commit()


def _remove(group: Group, person_id: int) -> None:
    count = db.session.execute(
        delete(GroupMember).where(
            GroupMember.group_id == group.id, GroupMember.person_id == person_id
        )
    ).rowcount  # type: ignore[attr-defined]
    if count:
        db.session.execute(
            update(Group)
            .where(Group.id == group.id, Group.member_count > 0)
            .values(member_count=Group.member_count - 1)
        )


def remove_member(
    actor: Person, group: Group, access: GroupAccess, person_id: int, ban: bool, reason: str = ""
) -> None:
    """Remove a member, optionally banning them from coming back (moderators)."""
    require_moderator(access)
    if ban is False:
        _not_automatic(group)
    target = db.session.scalar(
        select(GroupMember).where(
            GroupMember.group_id == group.id, GroupMember.person_id == person_id
        )
    )
    if target is None and not ban:
        raise NotFound(_("该用户不是成员。"))
    if target is not None:
        if group.is_automatic:
            raise ValidationError(_("组织群组的成员由职务自动决定，不能手动加入或移除。"))
        if target.role == MemberRole.OWNER:
            raise PermissionDenied(_("不能移除群主。"))
        if target.role == MemberRole.MODERATOR and not (access.is_owner or access.is_admin):
            raise PermissionDenied(_("只有群主可以移除管理员。"))
        _remove(group, person_id)
    if ban:
        exists = db.session.scalar(
            select(GroupBan.id).where(
                GroupBan.group_id == group.id, GroupBan.person_id == person_id
            )
        )
        if exists:
            raise Conflict(_("该用户已被禁止。"))
        if db.session.get(Person, person_id) is None:
            raise NotFound(_("用户不存在。"))
        db.session.add(GroupBan(group_id=group.id, person_id=person_id, reason=reason[:500]))
        db.session.execute(
            update(JoinRequest)
            .where(
                JoinRequest.group_id == group.id,
                JoinRequest.person_id == person_id,
                JoinRequest.status == RequestStatus.PENDING,
            )
            .values(status=RequestStatus.DECLINED, decided_at=_now(), decided_by_id=actor.id)
        )
    log_action(
        group.id, actor.id, "ban" if ban else "remove", target_person_id=person_id, detail=reason
    )
    _commit()


def unban(actor: Person, group: Group, access: GroupAccess, person_id: int) -> None:
    """Lift a ban (moderators)."""
    require_moderator(access)
    count = db.session.execute(
        delete(GroupBan).where(GroupBan.group_id == group.id, GroupBan.person_id == person_id)
    ).rowcount  # type: ignore[attr-defined]
    if not count:
        db.session.rollback()
        raise NotFound(_("该用户没有被禁止。"))
    log_action(group.id, actor.id, "unban", target_person_id=person_id)
    _commit()


def set_role(
    actor: Person, group: Group, access: GroupAccess, person_id: int, moderator: bool
) -> None:
    """Appoint or demote a moderator (the owner, or a system admin)."""
    if not (access.is_owner or access.is_admin):
        raise PermissionDenied(_("只有群主可以任免管理员。"))
    target = db.session.scalar(
        select(GroupMember).where(
            GroupMember.group_id == group.id, GroupMember.person_id == person_id
        )
    )
    if target is None:
        raise NotFound(_("该用户不是成员。"))
    if target.role == MemberRole.OWNER:
        raise ValidationError(_("群主的角色不能这样修改；请使用移交群组。"))
    target.role = MemberRole.MODERATOR if moderator else MemberRole.MEMBER
    log_action(group.id, actor.id, "appoint" if moderator else "demote", target_person_id=person_id)
    _commit()


def hand_over(actor: Person, group: Group, access: GroupAccess, person_id: int) -> None:
    """Make another member the owner; the old owner stays on as a moderator."""
    if not (access.is_owner or access.is_admin):
        raise PermissionDenied(_("只有群主可以移交群组。"))
    target = db.session.scalar(
        select(GroupMember).where(
            GroupMember.group_id == group.id, GroupMember.person_id == person_id
        )
    )
    if target is None:
        raise ValidationError(_("只能移交给本群组的成员。"), field="person")
    if target.role == MemberRole.OWNER:
        raise Conflict(_("该用户已经是群主。"))
    db.session.execute(
        update(GroupMember)
        .where(GroupMember.group_id == group.id, GroupMember.role == MemberRole.OWNER)
        .values(role=MemberRole.MODERATOR)
    )
    target.role = MemberRole.OWNER
    log_action(group.id, actor.id, "hand_over", target_person_id=person_id)
    _commit()


def requests(group: Group, pending_only: bool = False, limit: int = 200) -> list[JoinRequest]:
    """Join requests and invitations with the person loaded, newest first (history kept)."""
    stmt = (
        select(JoinRequest)
        .options(joinedload(JoinRequest.person))
        .where(JoinRequest.group_id == group.id)
        .order_by(JoinRequest.id.desc())
        .limit(limit)
    )
    if pending_only:
        stmt = stmt.where(JoinRequest.status == RequestStatus.PENDING)
    return list(db.session.scalars(stmt))


def bans(group: Group) -> list[tuple[GroupBan, Person]]:
    """Banned people of a group."""
    rows = db.session.execute(
        select(GroupBan, Person)
        .join(Person, Person.id == GroupBan.person_id)
        .where(GroupBan.group_id == group.id)
        .order_by(GroupBan.id.desc())
    )
    return [(ban, person) for ban, person in rows]


def pending_count(group: Group) -> int:
    """Pending join requests of a group (the moderators' badge)."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(JoinRequest)
            .where(
                JoinRequest.group_id == group.id,
                JoinRequest.kind == RequestKind.REQUEST,
                JoinRequest.status == RequestStatus.PENDING,
            )
        )
        or 0
    )
