"""Who is in a roster, and who may take it out: an organisation (with or without its
subtree), a group, a search result. Every scope checks the exporter's permission."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

from directory.core.errors import PermissionDenied
from directory.core.memory import gc_paused
from directory.extensions import db
from directory.groups.models import Group, GroupMember
from directory.groups.permissions import GroupAccess
from directory.orgs.models import Organisation
from directory.orgs.permissions import can_view_roster
from directory.people.models import Person, Position
from directory.people.permissions import is_any_org_admin

# Larger lists go through several exports (a subtree, a narrower search).
EXPORT_LIMIT = 20_000
SEARCH_EXPORT_LIMIT = 5_000


@dataclass
class Roster:
    """The people of one export, and how to name it (in the file and in the audit log)."""

    title: str
    kind: str  # "org", "group", "search"
    people: list[Person]
    org: Organisation | None = None
    details: dict[str, object] = field(default_factory=dict)
    truncated: bool = False


def _load(ids_stmt: Select[Any]) -> tuple[list[Person], bool]:
    with gc_paused():
        return _load_people(ids_stmt)


def _load_people(ids_stmt: Select[Any]) -> tuple[list[Person], bool]:
    people = list(
        db.session.scalars(
            select(Person)
            .where(Person.id.in_(ids_stmt), Person.is_active_account)
            # selectin, not joined: the few hundred organisations are loaded once each
            # instead of once per person and per post (their columns decoded every time).
            .options(
                selectinload(Person.membership_org),
                selectinload(Person.positions).selectinload(Position.organisation),
            )
            .order_by(Person.name_pinyin, Person.id)
            .limit(EXPORT_LIMIT + 1)
        ).unique()
    )
    return people[:EXPORT_LIMIT], len(people) > EXPORT_LIMIT


def org_roster(viewer: Person, org: Organisation, subtree: bool) -> Roster:
    """Members of `org` (and of its subtree), and holders of a current confirmed post there."""
    if not can_view_roster(viewer, org):
        raise PermissionDenied(_("只有该组织或上级组织的管理员可以导出花名册。"))
    if subtree:
        orgs = select(Organisation.id).where(Organisation.path.startswith(org.path))
    else:
        orgs = select(Organisation.id).where(Organisation.id == org.id)
    ids = select(Person.id).where(
        or_(
            Person.membership_org_id.in_(orgs),
            Person.id.in_(
                select(Position.person_id).where(
                    Position.organisation_id.in_(orgs),
                    Position.grants_access,
                    Position.end_date.is_(None),
                )
            ),
        )
    )
    people, truncated = _load(ids)
    title = _("%(org)s（含下级组织）", org=org.name) if subtree else org.name
    return Roster(title, "org", people, org, {"org_id": org.id, "subtree": subtree}, truncated)


def group_roster(viewer: Person, group: Group) -> Roster:
    """Members of a group: for its moderators (and system admins)."""
    if not GroupAccess(viewer, group).can_moderate:
        raise PermissionDenied(_("只有群组管理员可以导出成员名单。"))
    ids = select(GroupMember.person_id).where(GroupMember.group_id == group.id)
    people, truncated = _load(ids)
    return Roster(group.name, "group", people, group.auto_org, {"group_id": group.id}, truncated)


def search_roster(viewer: Person, args: dict[str, str]) -> Roster:
    """The people a search finds for this viewer (organisation and system admins)."""
    from directory.search import service as search

    if not is_any_org_admin(viewer):
        raise PermissionDenied(_("只有管理员可以导出搜索结果。"))
    params = search.parse(args)
    params.page = 1
    page = search.search_people(viewer, params, per_page=SEARCH_EXPORT_LIMIT)
    ids = [hit.person.id for hit in page.items]
    people, _truncated = _load(select(Person.id).where(Person.id.in_(ids)))
    title = _("搜索结果：%(q)s", q=params.q) if params.q else _("搜索结果")
    truncated = (page.total or 0) > SEARCH_EXPORT_LIMIT
    return Roster(title, "search", people, None, {"search": params.url_args()}, truncated)
