"""Read side of the organisation pages: a fixed number of queries per page, whatever its size."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, contains_eager, joinedload

from directory.core.enums import POSITION_TITLES
from directory.core.errors import NotFound
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.people.models import OrgAdmin, Person, Position
from directory.regions.models import Region
from directory.regions.services import NEXT_LENGTH, subtree_filter

ROSTER_LIMIT = 500


@dataclass
class TreeNode:
    """An organisation with the counts shown beside it in the tree and in lists."""

    org: Organisation
    child_count: int
    cadre_count: int


@dataclass
class OrgPage:
    """Everything the organisation page shows."""

    org: Organisation
    ancestors: list[Organisation]
    children: list[TreeNode]
    current: list[Position]
    former: list[Position]
    admins: list[Person]
    member_count: int
    roster: list[Person] = field(default_factory=list)

    @property
    def current_people(self) -> list[Person]:
        """The people holding a current post here (each once)."""
        return list({p.person_id: p.person for p in self.current}.values())


def _child_count():
    child = aliased(Organisation)
    return (
        select(func.count(child.id))
        .where(child.parent_id == Organisation.id)
        .correlate(Organisation)
        .scalar_subquery()
    )


def _cadre_count():
    return (
        select(func.count(func.distinct(Position.person_id)))
        .join(Person, Person.id == Position.person_id)
        .where(
            Position.organisation_id == Organisation.id,
            Position.grants_access,
            Position.end_date.is_(None),
            Person.is_active_account,
        )
        .correlate(Organisation)
        .scalar_subquery()
    )


def tree_nodes(parent_id: int | None) -> list[TreeNode]:
    """The children of `parent_id` (top level for None) with their counts: one query."""
    where = (
        Organisation.parent_id.is_(None)
        if parent_id is None
        else Organisation.parent_id == parent_id
    )
    rows = db.session.execute(
        select(Organisation, _child_count(), _cadre_count())
        .join(Region, Region.id == Organisation.region_id)
        .where(where)
        # Official order: by division code (成都 5101 before 乐山 5111), then name.
        .order_by(
            Organisation.dissolved_at.is_not(None), Region.code, Organisation.name, Organisation.id
        )
    )
    return [TreeNode(org, children or 0, cadres or 0) for org, children, cadres in rows]


def get_org(org_id: int) -> Organisation:
    """The organisation with its region, or NotFound."""
    org = db.session.scalar(
        select(Organisation)
        .options(joinedload(Organisation.region))
        .where(Organisation.id == org_id)
    )
    if org is None:
        raise NotFound(_("团组织不存在。"))
    return org


def ancestors(org: Organisation) -> list[Organisation]:
    """The organisations above `org`, root first, in one query (their ids are in `path`)."""
    ids = org.ancestor_ids[:-1]
    if not ids:
        return []
    found = {
        o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))
    }
    return [found[i] for i in ids if i in found]


def _title_rank(position: Position) -> int:
    try:
        return POSITION_TITLES.index(position.title)
    except ValueError:
        return len(POSITION_TITLES)


def direct_admins(org: Organisation) -> list[Person]:
    """People appointed admin of this organisation itself (not through an ancestor)."""
    return list(
        db.session.scalars(
            select(Person)
            .join(OrgAdmin, OrgAdmin.person_id == Person.id)
            .where(OrgAdmin.organisation_id == org.id, Person.is_active_account)
            .order_by(Person.name_pinyin, Person.id)
        )
    )


def org_page(org: Organisation, *, with_roster: bool) -> OrgPage:
    """Load the organisation page; the roster's people only when the viewer may see them."""
    positions = list(
        db.session.scalars(
            select(Position)
            .join(Position.person)
            .options(contains_eager(Position.person).joinedload(Person.membership_org))
            .where(
                Position.organisation_id == org.id,
                Position.grants_access,
                Person.is_active_account,
            )
            .order_by(Position.start_date.desc(), Position.id)
        )
    )
    current = sorted((p for p in positions if p.end_date is None), key=_title_rank)
    former = sorted(
        (p for p in positions if p.end_date is not None),
        key=lambda p: p.end_date,  # type: ignore[arg-type, return-value]  # not None: filtered above
        reverse=True,
    )
    admins = direct_admins(org)
    roster: list[Person] = []
    if with_roster:
        roster = list(
            db.session.scalars(
                select(Person)
                .where(Person.membership_org_id == org.id, Person.is_active_account)
                .order_by(Person.name_pinyin, Person.id)
                .limit(ROSTER_LIMIT + 1)
            )
        )
    if with_roster and len(roster) <= ROSTER_LIMIT:
        member_count = len(roster)
    else:
        member_count = (
            db.session.scalar(
                select(func.count())
                .select_from(Person)
                .where(Person.membership_org_id == org.id, Person.is_active_account)
            )
            or 0
        )
    return OrgPage(
        org=org,
        ancestors=ancestors(org),
        children=tree_nodes(org.id),
        current=current,
        former=former,
        admins=admins,
        member_count=member_count,
        roster=roster[:ROSTER_LIMIT],
    )


def org_counts(region: Region | None) -> dict[str, int]:
    """Live organisations per child subtree, keyed by child code, in one query.

    The region's own code, if present, counts the organisations located in it directly;
    the sum of all values is the count for its whole subtree.
    """
    length = NEXT_LENGTH.get(len(region.code) if region else 0, 12)
    key = func.substr(Region.code, 1, length)
    query = (
        select(key, func.count(Organisation.id))
        .join(Organisation, Organisation.region_id == Region.id)
        .where(Organisation.dissolved_at.is_(None))
        .group_by(key)
    )
    if region is not None:
        query = query.where(subtree_filter(Region.code, region.code))
    return {k: n for k, n in db.session.execute(query)}


def orgs_select(region: Region) -> Any:
    """A SELECT of the live organisations located directly in a region, by name."""
    return (
        select(Organisation)
        .where(Organisation.region_id == region.id, Organisation.dissolved_at.is_(None))
        .order_by(Organisation.name, Organisation.id)
    )
