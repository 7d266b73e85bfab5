"""Group membership workflows: join, requests, invitations, leaving (roles: group_roles.py).

Each transition checks the actor's permission and the current state in the same
UPDATE (a request decided twice answers 409), writes a moderation-log row when a
moderator acts, and notifies the people concerned, all in one transaction.
"""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import joinedload

from directory.core import time as clock
from directory.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from directory.core.messages import _m
from directory.core.uow import transactional
from directory.extensions import db
from directory.groups.models import (
    Group,
    GroupBan,
    GroupMember,
    JoinPolicy,
    JoinRequest,
    MemberRole,
    RequestKind,
    RequestStatus,
)
from directory.groups.notify import dispatch, moderator_ids
from directory.groups.permissions import GroupAccess
from directory.groups.services import log_action, require_moderator
from directory.people.models import Person


def _link(group: Group) -> str:
    return url_for("groups.show", group_id=group.id)


def _not_automatic(group: Group) -> None:
    if group.is_automatic:
        raise ValidationError(_("组织群组的成员由职务自动决定，不能手动加入或移除。"))


def _add_member(
    group: Group, person_id: int, *, vetted: bool, role: MemberRole = MemberRole.MEMBER
) -> None:
    """Add a member; `vetted` when a moderator let them in (request, invitation)."""
    db.session.add(GroupMember(group_id=group.id, person_id=person_id, role=role, vetted=vetted))
    db.session.execute(
        update(Group).where(Group.id == group.id).values(member_count=Group.member_count + 1)
    )


@transactional
def join(actor: Person, group: Group, access: GroupAccess) -> None:
    """Join an open group."""
    _not_automatic(group)
    if access.is_member:
        raise Conflict(_("你已经是该群组成员。"))
    if access.banned:
        raise PermissionDenied(_("你已被该群组禁止加入。"))
    if group.join_policy != JoinPolicy.OPEN:
        raise PermissionDenied(_("该群组不能直接加入。"))
    _add_member(group, actor.id, vetted=False)


@transactional
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
        _m("%(name)s 申请加入群组“%(group)s”", name=actor.name, group=group.name),
        url_for("groups.requests", group_id=group.id),
    )


@transactional
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
        .values(status=RequestStatus.WITHDRAWN, decided_at=clock.now(), decided_by_id=actor.id)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE/DELETE gives a CursorResult; Session.execute is typed Result
    if not count:
        raise Conflict(_("没有待处理的申请。"))


@transactional
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
    _decide(req.id, approve, actor, _("该申请已被处理。"))
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
            raise Conflict(_("该用户已被禁止加入，请先解除禁止。"))
        if member is None:
            _add_member(group, req.person_id, vetted=True)
        message = _m("你加入群组“%(group)s”的申请已通过", group=group.name)
    else:
        message = _m("你加入群组“%(group)s”的申请未通过", group=group.name)
    log_action(
        group.id,
        actor.id,
        "approve" if approve else "decline",
        target_person_id=req.person_id,
    )
    dispatch([req.person_id], "group_decision", message, _link(group))
    db.session.refresh(req)
    return req


@transactional
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
        _m("%(name)s 邀请你加入群组“%(group)s”", name=actor.name, group=group.name),
        _link(group),
    )


@transactional
def respond_to_invitation(actor: Person, group: Group, access: GroupAccess, accept: bool) -> None:
    """The invited person accepts or declines."""
    inv = access.pending_invitation
    if inv is None:
        raise NotFound(_("没有待回应的邀请。"))
    _decide(inv.id, accept, actor, _("该邀请已处理。"))
    if accept and not access.is_member:
        _add_member(group, actor.id, vetted=True)


@transactional
def leave(actor: Person, group: Group, access: GroupAccess) -> None:
    """Leave a group (the owner hands it over first)."""
    _not_automatic(group)
    if not access.is_member:
        raise Conflict(_("你不是该群组成员。"))
    if access.is_owner:
        raise ValidationError(_("群主需要先把群组移交给其他成员。"))
    _remove(group, actor.id)


def _remove(group: Group, person_id: int) -> None:
    count = db.session.execute(
        delete(GroupMember).where(
            GroupMember.group_id == group.id, GroupMember.person_id == person_id
        )
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE/DELETE gives a CursorResult; Session.execute is typed Result
    if count:
        db.session.execute(
            update(Group)
            .where(Group.id == group.id, Group.member_count > 0)
            .values(member_count=Group.member_count - 1)
        )


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


def _decide(request_id: int, yes: bool, actor: Person, already: str) -> None:
    """Approve or decline a pending request or invitation in one conditional UPDATE.

    The loser of a race (double click, two moderators) gets a Conflict with `already`.
    """
    status = RequestStatus.APPROVED if yes else RequestStatus.DECLINED
    count = db.session.execute(
        update(JoinRequest)
        .where(JoinRequest.id == request_id, JoinRequest.status == RequestStatus.PENDING)
        .values(status=status, decided_at=clock.now(), decided_by_id=actor.id)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE/DELETE gives a CursorResult; Session.execute is typed Result
    if not count:
        raise Conflict(already)
