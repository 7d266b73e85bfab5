"""Data quality over an admin's subtree: each figure with the list of records behind it.

- completeness: the share of profile fields filled, per organisation directly below;
- stale: records not updated for a year;
- no_secretary: live organisations without a current confirmed secretary (书记);
- committees: township committees outside the rules (9–15 members; secretaries and deputies
  at most a third; members over 35, part-time over 40);
- claims: position claims waiting for review.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import and_, case, exists, func, not_, or_, select

from directory.core import time as clock
from directory.core.enums import CadreKind, OrgLevel, PositionStatus
from directory.core.sql import startswith
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.people.models import Person, Position
from directory.stats.models import OrgTally
from directory.stats.tally import PROFILE_FIELDS

LIST_LIMIT = 500
COMMITTEE_MIN, COMMITTEE_MAX = 9, 15
AGE_LIMIT, PART_TIME_AGE_LIMIT = 35, 40


def _is_secretary():
    return and_(Position.title.like("%书记"), not_(Position.title.like("%副书记")))


def _is_leader():
    return Position.title.like("%书记")


@dataclass
class Completeness:
    org: Organisation
    people: int
    filled: float  # 0..1


def completeness(org: Organisation) -> list[Completeness]:
    """Per organisation directly below (each with its subtree), and the organisation's own
    members (直属), from the tally's subtree totals (stats/tally.py)."""
    children = list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.parent_id == org.id, Organisation.dissolved_at.is_(None))
            .order_by(Organisation.name)
        )
    )
    wanted = [org, *children]
    totals = {
        oid: (people, filled)
        for oid, people, filled in db.session.execute(
            select(OrgTally.org_id, OrgTally.people, OrgTally.filled).where(
                OrgTally.org_id.in_([o.id for o in wanted])
            )
        )
    }
    # The organisation's own row: its subtree less the live children's subtrees.
    people, fields = totals.get(org.id, (0, 0))
    for child in children:
        people -= totals.get(child.id, (0, 0))[0]
        fields -= totals.get(child.id, (0, 0))[1]
    totals[org.id] = (people, fields)
    result = []
    for o in wanted:
        people, fields = totals.get(o.id, (0, 0))
        share = fields / (people * len(PROFILE_FIELDS)) if people else 0.0
        result.append(Completeness(o, people, share))
    return result


def subtree_ids(org: Organisation):
    """The ids of the organisations of `org`'s subtree, as a subquery (`IN (...)` lets the
    database look each one up in an index instead of scanning every row below)."""
    return select(Organisation.id).where(startswith(Organisation.path, org.path))


def stale_people(org: Organisation, limit: int | None = LIST_LIMIT):
    cutoff = clock.now() - timedelta(days=365)
    stmt = (
        select(Person)
        .where(
            Person.membership_org_id.in_(subtree_ids(org)),
            Person.is_active_account,
            Person.updated_at < cutoff,
        )
        .order_by(Person.updated_at, Person.id)
    )
    return stmt.limit(limit) if limit else stmt


def orgs_without_secretary(org: Organisation):
    has = exists().where(
        Position.organisation_id == Organisation.id,
        Position.grants_access,
        Position.end_date.is_(None),
        _is_secretary(),
    )
    return (
        select(Organisation)
        .where(
            startswith(Organisation.path, org.path),
            Organisation.dissolved_at.is_(None),
            ~has,
        )
        .order_by(Organisation.path)
    )


@dataclass
class Committee:
    org: Organisation
    members: int
    leaders: int
    over_age: int
    reasons: list[str]


def _committee_figures(org: Organisation):
    """(township id, members, leaders, over age) of the township committees in the subtree
    that break a rule; ids only, so counting them loads no organisation."""
    year = clock.today().year
    age = year - Person.birth_year
    over = case(
        (
            and_(
                Person.birth_year.is_not(None),
                age
                > case(
                    (Person.cadre_kind == CadreKind.PART_TIME, PART_TIME_AGE_LIMIT), else_=AGE_LIMIT
                ),
            ),
            1,
        ),
        else_=0,
    )
    members = func.count(Position.id)
    leaders = func.coalesce(func.sum(case((_is_leader(), 1), else_=0)), 0)
    over_age = func.coalesce(func.sum(over), 0)
    return (
        select(Organisation.id, members, leaders, over_age)
        .join(Position, and_(
            Position.organisation_id == Organisation.id,
            Position.grants_access,
            Position.end_date.is_(None),
        ), isouter=True)
        .join(Person, Person.id == Position.person_id, isouter=True)
        .where(
            startswith(Organisation.path, org.path),
            Organisation.level == OrgLevel.TOWNSHIP,
            Organisation.dissolved_at.is_(None),
        )
        .group_by(Organisation.id)
        .having(
            or_(
                members < COMMITTEE_MIN,
                members > COMMITTEE_MAX,
                and_(members > 0, leaders * 3 > members),
                over_age > 0,
            )
        )
    )  # fmt: skip


def count_committees(org: Organisation) -> int:
    """How many township committees in the subtree break a rule."""
    sub = _committee_figures(org).subquery()
    return db.session.scalar(select(func.count()).select_from(sub)) or 0


def committees(org: Organisation, limit: int | None = None) -> list[Committee]:
    """Township committees in the subtree that break a rule (with the reasons in words),
    in path order."""
    figures = {oid: (m, le, ov) for oid, m, le, ov in db.session.execute(_committee_figures(org))}
    stmt = (
        select(Organisation).where(Organisation.id.in_(list(figures))).order_by(Organisation.path)
    )
    found = []
    for o in db.session.scalars(stmt.limit(limit) if limit else stmt):
        members, leaders, over_age = figures[o.id]
        leaders, over_age = int(leaders or 0), int(over_age or 0)
        reasons = []
        if not COMMITTEE_MIN <= members <= COMMITTEE_MAX:
            reasons.append(_("委员 %(n)d 人（应为 9–15 人）", n=members))
        if members and leaders * 3 > members:
            reasons.append(_("书记、副书记 %(n)d 人，超过委员的三分之一", n=leaders))
        if over_age:
            reasons.append(_("%(n)d 人超过年龄要求（35 岁，兼职 40 岁）", n=over_age))
        found.append(Committee(o, members, leaders, over_age, reasons))
    return found


def pending_claims(org: Organisation):
    return (
        select(Position)
        .join(Organisation, Organisation.id == Position.organisation_id)
        .where(startswith(Organisation.path, org.path), Position.status == PositionStatus.PENDING)
        .order_by(Position.recorded_at)
    )


def count(stmt) -> int:
    """The rows a list statement would return (a plain SELECT without GROUP BY): its own
    FROM and WHERE with COUNT(*) as the only column, so no row is loaded."""
    counting = stmt.with_only_columns(func.count(), maintain_column_froms=True)
    return db.session.scalar(counting.order_by(None).limit(None)) or 0


def counts(org: Organisation) -> dict[str, int]:
    """The size of each data-quality list (the statistics page's figures), by check name."""
    return {
        "stale": count(stale_people(org, limit=None)),
        "no_secretary": count(orgs_without_secretary(org)),
        "committees": count_committees(org),
        "claims": count(pending_claims(org)),
    }
