"""The people in an organisation's pages: its cadres, admins and roster, and the number of
current cadres beside each organisation of the tree.

Organisations sit below people (a person holds positions in them), so the organisation
pages get these as page parts (web/pages.py), added in `people.init_app`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from directory.core.enums import POSITION_TITLES
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.orgs.queries import TreeNode
from directory.people.models import OrgAdmin, Person, Position
from directory.people.permissions import ContactPolicy

ROSTER_LIMIT = 500


@dataclass
class OrgPeople:
    """The people an organisation page shows."""

    current: list[Position]
    former: list[Position]
    admins: list[Person]
    member_count: int
    roster: list[Person] = field(default_factory=list)

    @property
    def current_people(self) -> list[Person]:
        """The people holding a current post here (each once)."""
        return list({p.person_id: p.person for p in self.current}.values())


def cadre_counts(org_ids: list[int]) -> dict[int, int]:
    """Current cadres (confirmed posts of active accounts) per organisation: one query."""
    if not org_ids:
        return {}
    rows = db.session.execute(
        select(Position.organisation_id, func.count(func.distinct(Position.person_id)))
        .join(Person, Person.id == Position.person_id)
        .where(
            Position.organisation_id.in_(org_ids),
            Position.grants_access,
            Position.end_date.is_(None),
            Person.is_active_account,
        )
        .group_by(Position.organisation_id)
    )
    return {org_id: n for org_id, n in rows}


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


def _title_rank(position: Position) -> int:
    try:
        return POSITION_TITLES.index(position.title)
    except ValueError:
        return len(POSITION_TITLES)


def org_people(org: Organisation, *, with_roster: bool) -> OrgPeople:
    """The organisation's cadres and admins; the roster's people only when the viewer may
    see them (its size either way)."""
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
    return OrgPeople(
        current=current,
        former=former,
        admins=direct_admins(org),
        member_count=member_count,
        roster=roster[:ROSTER_LIMIT],
    )


# Parts of the organisation pages (added in people.init_app; see web/pages.py).


def tree_part(*, nodes: list[TreeNode], **_: Any) -> dict[str, Any]:
    """The tree and the children's table: current cadres beside each organisation."""
    return {"cadre_counts": cadre_counts([n.org.id for n in nodes])}


def org_page_part(
    *, viewer: Person, org: Organisation, roster_visible: bool, **_: Any
) -> dict[str, Any]:
    """The organisation page: its cadres, admins and roster, and what the viewer may see of
    their contacts; `roster_ids` (None when the roster is hidden) for the parts after it."""
    people = org_people(org, with_roster=roster_visible)
    return {
        "people": people,
        "policy": ContactPolicy(viewer, [*people.current_people, *people.roster]),
        "roster_ids": [p.id for p in people.roster] if roster_visible else None,
    }
