"""Groups: look-up, creation and editing, moderation log, roster.

Membership workflows are in `group_membership.py` (join, requests, invitations) and
`group_roles.py` (removal, bans, roles, hand-over); notifications in `group_notify.py`;
automatic organisation groups in `org_groups.py`; discussions in `posts.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import case, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from directory import audit
from directory.core.errors import NotFound, ValidationError
from directory.core.pagination import ListPage
from directory.core.sql import contains
from directory.core.uow import transactional
from directory.extensions import db
from directory.groups.models import (
    Group,
    GroupMember,
    GroupVisibility,
    JoinPolicy,
    MemberRole,
    ModerationLog,
)
from directory.groups.permissions import GroupAccess, visible_groups
from directory.orgs.models import Organisation
from directory.people.models import Person
from directory.regions.models import Region

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


# Automatic groups of organisations smaller than this are listed only to their members or
# when the list is filtered to organisation groups (docs/GROUPS.md, "The group list").
ORG_GROUP_LIST_MIN = 5
KINDS = ("", "custom", "org")


def list_groups(
    viewer: Person,
    q: str = "",
    mine: bool = False,
    page: int = 1,
    per_page: int = 50,
    kind: str = "",
    region: Region | None = None,
) -> ListPage[Group]:
    """One page of the groups the viewer may know of: the viewer's own groups first, then
    the most recently active. Small automatic groups stay out of the default list."""
    cond = [visible_groups(viewer)]
    q = q.strip()[:100]
    if q:
        cond.append(contains(Group.name, q))
    member_of = select(GroupMember.group_id).where(GroupMember.person_id == viewer.id)
    if mine:
        cond.append(Group.id.in_(member_of))
    if kind == "custom":
        cond.append(Group.auto_org_id.is_(None))
    elif kind == "org":
        cond.append(Group.auto_org_id.is_not(None))
    elif not q:
        cond.append(
            or_(
                Group.auto_org_id.is_(None),
                Group.member_count >= ORG_GROUP_LIST_MIN,
                Group.id.in_(member_of),
            )
        )
    if region is not None:
        cond.append(
            Group.region_id.in_(select(Region.id).where(Region.code.startswith(region.code)))
        )
    query = (
        select(Group)
        .options(joinedload(Group.organisation), joinedload(Group.region))
        .where(*cond)
        .order_by(
            case((Group.id.in_(member_of), 0), else_=1),
            Group.last_activity_at.desc(),
            Group.id.desc(),
        )
    )
    return ListPage.fetch(query, page, per_page)


def org_paths(groups: Iterable[Group]) -> dict[int, str]:
    """ "省委 › 市委 › 县委" above each group's organisation, for the list (one query)."""
    chains = {g.id: g.organisation.ancestor_ids[:-1] for g in groups if g.organisation}
    ids = {i for chain in chains.values() for i in chain}
    if not ids:
        return {}
    names = dict(
        db.session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
        ).all()
    )
    return {gid: " › ".join(names[i] for i in chain if i in names) for gid, chain in chains.items()}


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


@transactional
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
    db.session.add(
        GroupMember(group_id=group.id, person_id=actor.id, role=MemberRole.OWNER, vetted=True)
    )
    log_action(group.id, actor.id, "create", detail=group.name)
    return group


@transactional
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


def require_moderator(access: GroupAccess) -> None:
    """Raise PermissionDenied unless the viewer moderates the group."""
    from directory.core.errors import PermissionDenied

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
    _audit(group_id, actor_id, action, target_person_id, thread_id, post_id, detail)


def _audit(group_id, actor_id, action, target_person_id, thread_id, post_id, detail) -> None:
    """The same step in the audit log, scoped to the group's organisation or the target's."""
    with db.session.no_autoflush:
        group = db.session.get(Group, group_id)
        actor = db.session.get(Person, actor_id) if actor_id else None
        target = db.session.get(Person, target_person_id) if target_person_id else None
    org = group.auto_org if group is not None else None
    someone = target or actor
    if org is None and someone is not None:
        org = someone.membership_org
    details = {"group_id": group_id, "group": group.name if group else "", "detail": detail[:200]}
    if thread_id:
        details["thread_id"] = thread_id
    if post_id:
        details["post_id"] = post_id
    audit.record(f"group.{action}", actor=actor, subject_person=target, org=org, details=details)


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
        .join(GroupMember.person)
        .options(contains_eager(GroupMember.person))
        .where(GroupMember.group_id == group.id, Person.is_active_account)
        .limit(limit)
    ).all()
    return sorted(rows, key=lambda m: (order[m.role], m.person.name_pinyin, m.person_id))


def move_region(_sender: object, *, source_id: int, target_id: int) -> str:
    """Receiver of `core.signals.region_merging`: groups placed in region A move to B
    (the foreign key would otherwise leave them with no region when A is deleted)."""
    groups = db.session.scalars(select(Group).where(Group.region_id == source_id)).all()
    for group in groups:
        group.region_id = target_id
    return f"{len(groups)} groups"
