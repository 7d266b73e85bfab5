"""What the home page shows one person: to-dos, group activity, their organisation, profile.

`load_home` reads everything the page shows (the template never queries); each feature
answers for its own part (transfers, groups), with the same permission predicates as
the pages the to-dos link to.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from directory.extensions import db
from directory.groups import reading
from directory.groups.post_models import Thread
from directory.orgs.models import Organisation
from directory.people.claims import count_reviewable
from directory.people.models import Person, Position
from directory.people.permissions import ContactPolicy, is_any_org_admin
from directory.transfers import reports as transfer_reports
from directory.transfers.models import Transfer

COLLEAGUES_SHOWN = 8

# Profile fields a colleague looks for, with the label of the prompt when empty.
_PROFILE_FIELDS = (
    ("phone", _l("手机号")),
    ("wechat", _l("微信号")),
    ("gender", _l("性别")),
    ("birth_year", _l("出生年份")),
    ("political_status", _l("政治面貌")),
    ("cadre_kind", _l("干部类型")),
    ("establishment", _l("编制")),
    ("bio", _l("简介")),
    ("membership_org_id", _l("组织关系所在团组织")),
)


@dataclass
class OrgCard:
    """One of my organisations, with the colleagues who serve there now."""

    org: Organisation
    title: str  # my position there ("" for my membership organisation)
    colleagues: list[Position] = field(default_factory=list)
    more: int = 0


@dataclass
class Home:
    transfers_waiting: int
    transfers: list[Transfer]
    claims_waiting: int  # positions claimed in organisations I administer
    groups: reading.GroupTodos
    feed: list[Thread]
    orgs: list[OrgCard]
    missing: list[object]  # labels of empty profile fields
    completeness: int  # percent
    is_org_admin: bool
    policy: ContactPolicy

    @property
    def todo_count(self) -> int:
        return (
            self.transfers_waiting
            + self.claims_waiting
            + self.groups.requests
            + self.groups.reports
            + len(self.groups.invitations)
        )


def load_home(viewer: Person) -> Home:
    """Everything the home page shows `viewer`: a fixed number of queries."""
    waiting, transfers = transfer_reports.waiting_for(viewer)
    orgs = _my_orgs(viewer)
    people = [p.person for card in orgs for p in card.colleagues]
    missing = [label for attr, label in _PROFILE_FIELDS if not getattr(viewer, attr)]
    if not viewer.current_positions:
        missing.append(_l("现任职务"))
    total = len(_PROFILE_FIELDS) + 1
    is_admin = is_any_org_admin(viewer)
    return Home(
        transfers_waiting=waiting,
        transfers=transfers,
        claims_waiting=count_reviewable(viewer) if is_admin else 0,
        groups=reading.todos_for(viewer),
        feed=reading.feed_for(viewer),
        orgs=orgs,
        missing=missing,
        completeness=round(100 * (total - len(missing)) / total),
        is_org_admin=is_admin,
        policy=ContactPolicy(viewer, people),
    )


def _my_orgs(viewer: Person) -> list[OrgCard]:
    """The organisations I serve in now, then my membership organisation, with colleagues."""
    cards: dict[int, OrgCard] = {}
    for pos in viewer.current_positions:
        cards.setdefault(pos.organisation_id, OrgCard(pos.organisation, pos.title))
    if viewer.membership_org is not None:
        cards.setdefault(viewer.membership_org.id, OrgCard(viewer.membership_org, ""))
    if not cards:
        return []
    rows = db.session.scalars(
        select(Position)
        .join(Person, Person.id == Position.person_id)
        .options(joinedload(Position.person))
        .where(
            Position.organisation_id.in_(cards),
            Position.end_date.is_(None),
            Position.person_id != viewer.id,
            Person.is_active_account.is_(True),
        )
        .order_by(Position.organisation_id, Person.name_pinyin, Position.id)
    ).unique()
    for pos in rows:
        card = cards[pos.organisation_id]
        if len(card.colleagues) < COLLEAGUES_SHOWN:
            card.colleagues.append(pos)
        else:
            card.more += 1
    return list(cards.values())
