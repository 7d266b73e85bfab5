"""Groups: creation, look-up, the automatic organisation groups, settings and notifications.

Membership workflows (join, requests, invitations, bans, roles) are in
`group_membership.py`; discussions are in `posts.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import g, has_request_context, url_for
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import joinedload

from directory.extensions import db
from directory.models import (
    Group,
    GroupMember,
    GroupVisibility,
    JoinPolicy,
    MemberRole,
    ModerationLog,
    NotificationSetting,
    Organisation,
    Person,
    Position,
    Region,
)
from directory.permissions import register_affiliation_source
from directory.permissions.groups import GroupAccess, visible_groups
from directory.services import mail
from directory.services.errors import NotFound, ValidationError
from directory.services.notifications import notify
from directory.signals import membership_changed, positions_changed

NOTIFICATION_KINDS: tuple[str, ...] = (
    "group_reply",
    "group_mention",
    "group_join_request",
    "group_decision",
    "group_invitation",
    "group_report",
)


# --- look-up -------------------------------------------------------------------------------


def get_visible(viewer: Person, group_id: int) -> tuple[Group, GroupAccess]:
    """The group and the viewer's standing in it; NotFound if it does not exist for them."""
    group = db.session.scalar(
        select(Group).options(joinedload(Group.auto_org)).where(Group.id == group_id)
    )
    if group is None:
        raise NotFound(_("群组不存在。"))
    access = GroupAccess(viewer, group)
    if not access.can_see:
        raise NotFound(_("群组不存在。"))
    return group, access


def list_groups(viewer: Person, q: str = "", mine: bool = False, limit: int = 50, offset: int = 0):
    """Groups the viewer may know of, most recently active first (with a total)."""
    cond = [visible_groups(viewer)]
    q = q.strip()[:100]
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        cond.append(Group.name.like(f"%{escaped}%", escape="\\"))
    if mine:
        cond.append(
            Group.id.in_(select(GroupMember.group_id).where(GroupMember.person_id == viewer.id))
        )
    total = db.session.scalar(select(func.count()).select_from(Group).where(*cond)) or 0
    rows = db.session.scalars(
        select(Group)
        .where(*cond)
        .order_by(Group.last_activity_at.desc(), Group.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return list(rows), total


def my_roles(viewer: Person, group_ids: Iterable[int]) -> dict[int, MemberRole]:
    """The viewer's role in each of the given groups they belong to (one query)."""
    ids = list(group_ids)
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(GroupMember.group_id, GroupMember.role).where(
                GroupMember.person_id == viewer.id, GroupMember.group_id.in_(ids)
            )
        ).all()
    )


# --- create / edit -------------------------------------------------------------------------


@dataclass
class GroupInput:
    name: str
    description: str = ""
    join_policy: JoinPolicy = JoinPolicy.OPEN
    visibility: GroupVisibility = GroupVisibility.PUBLIC
    region_id: int | None = None
    organisation_id: int | None = None


def _validate(data: GroupInput) -> None:
    if not data.name.strip():
        raise ValidationError(_("请填写群组名称。"), field="name")
    if len(data.name) > 100:
        raise ValidationError(_("群组名称最多 100 个字。"), field="name")
    if len(data.description) > 5000:
        raise ValidationError(_("简介最多 5000 个字。"), field="description")
    if data.region_id is not None and db.session.get(Region, data.region_id) is None:
        raise ValidationError(_("地区不存在。"), field="region")
    if (
        data.organisation_id is not None
        and db.session.get(Organisation, data.organisation_id) is None
    ):
        raise ValidationError(_("团组织不存在。"), field="organisation")


def create_group(actor: Person, data: GroupInput) -> Group:
    """Create a group with the actor as its owner (commits)."""
    _validate(data)
    group = Group(
        name=data.name.strip(),
        description=data.description.strip(),
        join_policy=data.join_policy,
        visibility=data.visibility,
        region_id=data.region_id,
        organisation_id=data.organisation_id,
        created_by_id=actor.id,
        member_count=1,
    )
    db.session.add(group)
    db.session.flush()
    db.session.add(GroupMember(group_id=group.id, person_id=actor.id, role=MemberRole.OWNER))
    log_action(group.id, actor.id, "create", detail=group.name)
    db.session.commit()
    return group


def update_group(actor: Person, group: Group, access: GroupAccess, data: GroupInput) -> None:
    """Change name, description, policies (moderators; automatic groups keep theirs)."""
    require_moderator(access)
    _validate(data)
    group.name = data.name.strip()
    group.description = data.description.strip()
    group.region_id = data.region_id
    group.organisation_id = data.organisation_id
    if not group.is_automatic:
        group.join_policy = data.join_policy
        group.visibility = data.visibility
    log_action(group.id, actor.id, "edit", detail=group.name)
    db.session.commit()


def require_moderator(access: GroupAccess) -> None:
    """Raise PermissionDenied unless the viewer moderates the group."""
    from directory.services.errors import PermissionDenied

    if not access.can_moderate:
        raise PermissionDenied(_("只有群组管理员可以这样做。"))


def log_action(
    group_id: int,
    actor_id: int | None,
    action: str,
    *,
    target_person_id: int | None = None,
    thread_id: int | None = None,
    post_id: int | None = None,
    detail: str = "",
) -> None:
    """Write one moderation-log row (inside the caller's transaction)."""
    db.session.add(
        ModerationLog(
            group_id=group_id,
            actor_id=actor_id,
            action=action,
            target_person_id=target_person_id,
            thread_id=thread_id,
            post_id=post_id,
            detail=detail[:500],
        )
    )


def moderation_log(group: Group, limit: int = 200) -> list[ModerationLog]:
    """The group's moderation log, newest first, with actor and target loaded."""
    return list(
        db.session.scalars(
            select(ModerationLog)
            .options(joinedload(ModerationLog.actor), joinedload(ModerationLog.target))
            .where(ModerationLog.group_id == group.id)
            .order_by(ModerationLog.id.desc())
            .limit(limit)
        )
    )


def roster(group: Group, limit: int = 500) -> list[GroupMember]:
    """Members with their person loaded: owner, moderators, then by name."""
    order = {MemberRole.OWNER: 0, MemberRole.MODERATOR: 1, MemberRole.MEMBER: 2}
    rows = db.session.scalars(
        select(GroupMember)
        .options(joinedload(GroupMember.person))
        .where(GroupMember.group_id == group.id)
        .limit(limit)
    ).all()
    return sorted(rows, key=lambda m: (order[m.role], m.person.name_pinyin, m.person_id))


# --- automatic organisation groups ---------------------------------------------------------


def ensure_org_group(org_id: int) -> Group:
    """The automatic group of an organisation, created on first need (no commit)."""
    group = db.session.scalar(select(Group).where(Group.auto_org_id == org_id))
    if group is None:
        org = db.session.get(Organisation, org_id)
        if org is None:
            raise NotFound(_("团组织不存在。"))
        group = Group(
            name=org.name,
            description="",
            join_policy=JoinPolicy.INVITE,
            visibility=GroupVisibility.MEMBERS,
            region_id=org.region_id,
            organisation_id=org.id,
            auto_org_id=org.id,
            member_count=0,
        )
        db.session.add(group)
        db.session.flush()
    return group


def sync_person_org_groups(person_id: int) -> None:
    """Make the person's automatic-group memberships match their current positions."""
    current = set(
        db.session.scalars(
            select(Position.organisation_id)
            .join(Organisation, Organisation.id == Position.organisation_id)
            .where(
                Position.person_id == person_id,
                Position.end_date.is_(None),
                Organisation.dissolved_at.is_(None),
            )
        )
    )
    existing = dict(
        db.session.execute(
            select(Group.auto_org_id, GroupMember.id)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .where(GroupMember.person_id == person_id, Group.auto_org_id.is_not(None))
        ).all()
    )
    for org_id in current - set(existing):
        group = ensure_org_group(org_id)
        db.session.add(GroupMember(group_id=group.id, person_id=person_id))
        group.member_count = (group.member_count or 0) + 1
    gone = set(existing) - current
    if gone:
        db.session.execute(
            delete(GroupMember).where(GroupMember.id.in_([existing[o] for o in gone]))
        )
        db.session.execute(
            update(Group)
            .where(Group.auto_org_id.in_(gone), Group.member_count > 0)
            .values(member_count=Group.member_count - 1)
        )


def _auto_groups() -> dict[int, int]:
    rows = db.session.execute(
        select(Group.auto_org_id, Group.id).where(Group.auto_org_id.is_not(None))
    )
    return {org: gid for org, gid in rows}


def sync_all_org_groups() -> int:
    """Bring every automatic group in step, set-wise (CLI, repair); returns people synced."""
    wanted: set[tuple[int, int]] = {
        (org, pid)
        for org, pid in db.session.execute(
            select(Position.organisation_id, Position.person_id)
            .join(Organisation, Organisation.id == Position.organisation_id)
            .where(Position.end_date.is_(None), Organisation.dissolved_at.is_(None))
            .distinct()
        )
    }
    groups = _auto_groups()
    missing = sorted({org for org, _pid in wanted} - set(groups))
    for start in range(0, len(missing), 1000):
        orgs = db.session.execute(
            select(Organisation.id, Organisation.name, Organisation.region_id).where(
                Organisation.id.in_(missing[start : start + 1000])
            )
        ).all()
        db.session.execute(
            Group.__table__.insert(),
            [
                {
                    "name": name, "description": "", "join_policy": JoinPolicy.INVITE.value,
                    "visibility": GroupVisibility.MEMBERS.value, "region_id": region_id,
                    "organisation_id": org_id, "auto_org_id": org_id, "member_count": 0,
                    "thread_count": 0,
                }
                for org_id, name, region_id in orgs
            ],
        )  # fmt: skip
    if missing:
        groups = _auto_groups()
    have = {
        (org, pid): member_id
        for org, pid, member_id in db.session.execute(
            select(Group.auto_org_id, GroupMember.person_id, GroupMember.id)
            .join(GroupMember, GroupMember.group_id == Group.id)
            .where(Group.auto_org_id.is_not(None))
        )
    }
    to_add = sorted(wanted - set(have))
    to_remove = [have[k] for k in set(have) - wanted]
    for start in range(0, len(to_add), 10_000):
        db.session.execute(
            GroupMember.__table__.insert(),
            [
                {"group_id": groups[org], "person_id": pid, "role": MemberRole.MEMBER.value}
                for org, pid in to_add[start : start + 10_000]
            ],
        )
    for start in range(0, len(to_remove), 10_000):
        db.session.execute(
            delete(GroupMember).where(GroupMember.id.in_(to_remove[start : start + 10_000]))
        )
    counts = select(func.count()).where(GroupMember.group_id == Group.id).scalar_subquery()
    db.session.execute(
        update(Group).where(Group.auto_org_id.is_not(None)).values(member_count=counts)
    )
    db.session.commit()
    return len({pid for _org, pid in wanted} | {pid for _org, pid in have})


def _on_people_changed(sender: object, **kwargs: object) -> None:
    person_id = kwargs.get("person_id")
    if isinstance(person_id, int):
        sync_person_org_groups(person_id)


def _shared_groups(person_ids: set[int]) -> dict[int, set[tuple[str, int]]]:
    result: dict[int, set[tuple[str, int]]] = {}
    for pid, gid in db.session.execute(
        select(GroupMember.person_id, GroupMember.group_id).where(
            GroupMember.person_id.in_(person_ids)
        )
    ):
        result.setdefault(pid, set()).add(("group", gid))
    return result


positions_changed.connect(_on_people_changed)
membership_changed.connect(_on_people_changed)
register_affiliation_source(_shared_groups)


# --- notifications (settings, in-app, e-mail after commit) ---------------------------------


def settings_for(person_id: int) -> dict[str, tuple[bool, bool]]:
    """(in_app, email) per notification kind, defaults filled in."""
    result = {k: (True, False) for k in NOTIFICATION_KINDS}
    for row in db.session.scalars(
        select(NotificationSetting).where(NotificationSetting.person_id == person_id)
    ):
        if row.kind in result:
            result[row.kind] = (row.in_app, row.email)
    return result


def save_settings(person_id: int, values: dict[str, tuple[bool, bool]]) -> None:
    """Store the person's choices (commits)."""
    db.session.execute(
        delete(NotificationSetting).where(NotificationSetting.person_id == person_id)
    )
    for kind, (in_app, email) in values.items():
        if kind in NOTIFICATION_KINDS:
            db.session.add(
                NotificationSetting(person_id=person_id, kind=kind, in_app=in_app, email=email)
            )
    db.session.commit()


def dispatch(recipient_ids: Iterable[int], kind: str, message: str, link: str) -> None:
    """Notify people per their settings; e-mails are queued until `send_queued_mail`."""
    ids = set(recipient_ids)
    if not ids:
        return
    rows = db.session.execute(
        select(
            NotificationSetting.person_id, NotificationSetting.in_app, NotificationSetting.email
        ).where(NotificationSetting.person_id.in_(ids), NotificationSetting.kind == kind)
    ).all()
    chosen = {pid: (in_app, email) for pid, in_app, email in rows}
    in_app_ids = [pid for pid in ids if chosen.get(pid, (True, False))[0]]
    email_ids = [pid for pid in ids if chosen.get(pid, (True, False))[1]]
    notify(in_app_ids, kind, message, link)
    if email_ids and has_request_context():
        addresses = db.session.scalars(
            select(Person.email).where(Person.id.in_(email_ids), Person.is_active_account)
        ).all()
        queue = g.setdefault("group_mail_queue", [])
        queue.extend((a, message, link) for a in addresses)


def send_queued_mail() -> int:
    """Send the e-mails queued by `dispatch` (call after commit); returns how many went."""
    if not has_request_context():
        return 0
    queue = g.pop("group_mail_queue", [])
    sent = 0
    for address, message, link in queue:
        body = f"{message}\n\n{url_for('main.index', _external=True).rstrip('/')}{link}\n"
        sent += mail.send_mail(address, f"[{_('团友录')}] {message[:60]}", body)
    return sent


def moderator_ids(group: Group) -> list[int]:
    """Owner and moderators of a group (org admins moderate automatic groups too)."""
    return list(
        db.session.scalars(
            select(GroupMember.person_id).where(
                GroupMember.group_id == group.id,
                GroupMember.role.in_([MemberRole.OWNER, MemberRole.MODERATOR]),
            )
        )
    )
