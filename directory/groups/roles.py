"""Group membership by moderators: removal, bans, moderator roles, hand-over.

Every action writes a moderation-log row in the same transaction.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import delete, select, update

from directory.core import time as clock
from directory.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from directory.core.uow import transactional
from directory.extensions import db
from directory.groups.membership import _not_automatic, _remove
from directory.groups.models import (
    Group,
    GroupBan,
    GroupMember,
    JoinRequest,
    MemberRole,
    RequestStatus,
)
from directory.groups.permissions import GroupAccess
from directory.groups.services import log_action, require_moderator
from directory.people.models import Person


@transactional
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
            .values(status=RequestStatus.DECLINED, decided_at=clock.now(), decided_by_id=actor.id)
        )
    log_action(
        group.id, actor.id, "ban" if ban else "remove", target_person_id=person_id, detail=reason
    )


@transactional
def unban(actor: Person, group: Group, access: GroupAccess, person_id: int) -> None:
    """Lift a ban (moderators)."""
    require_moderator(access)
    count = db.session.execute(
        delete(GroupBan).where(GroupBan.group_id == group.id, GroupBan.person_id == person_id)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE/DELETE gives a CursorResult; Session.execute is typed Result
    if not count:
        raise NotFound(_("该用户没有被禁止。"))
    log_action(group.id, actor.id, "unban", target_person_id=person_id)


@transactional
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


@transactional
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


def bans(group: Group) -> list[tuple[GroupBan, Person]]:
    """Banned people of a group."""
    rows = db.session.execute(
        select(GroupBan, Person)
        .join(Person, Person.id == GroupBan.person_id)
        .where(GroupBan.group_id == group.id)
        .order_by(GroupBan.id.desc())
    )
    return [(ban, person) for ban, person in rows]
