"""Automatic organisation groups: one per organisation, members = its current cadres.

Kept in step by receivers of `positions_changed` and `membership_changed` (inside the
sender's transaction); `sync_all_org_groups` rebuilds them set-wise (CLI, repair). Also
tells the contact policy which people share a group.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update

from directory.core.errors import NotFound
from directory.core.signals import membership_changed, positions_changed
from directory.core.uow import transactional
from directory.extensions import db
from directory.groups.models import Group, GroupMember, GroupVisibility, JoinPolicy, MemberRole
from directory.orgs.models import Organisation
from directory.people.models import Position
from directory.people.permissions import register_affiliation_source


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
    return {org: gid for org, gid in rows if org is not None}


@transactional
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


def connect() -> None:
    """Keep organisation groups in step with positions and memberships; share group ties."""
    positions_changed.connect(_on_people_changed)
    membership_changed.connect(_on_people_changed)
    register_affiliation_source(_shared_groups)
