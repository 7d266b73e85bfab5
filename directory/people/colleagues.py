"""Former colleagues ("people you may know"): positions in the same organisation at the same time.

Only facts that grant visibility count: a candidate found by the overlap query is kept
only when the privacy predicate (`ContactPolicy.shares_with`, the one behind "shared"
contacts) agrees the two people share an organisation, so a fact it does not accept
(for instance an unconfirmed position) never makes anyone a colleague.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from directory.core.time import now as current_time
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.people.models import Person, Position
from directory.people.permissions import ContactPolicy

MAX_CANDIDATES = 200


@dataclass
class Colleague:
    """A former colleague and where and when the two served together."""

    person: Person
    organisation: Organisation
    start: date
    end: date
    days: int


def former_colleagues(person: Person, limit: int = 6) -> list[Colleague]:
    """People whose positions overlapped in time with `person`'s in the same organisation.

    At least one of the two positions has ended (current colleagues are on the
    organisation's page); the longest time together first, then the most recent.
    Deactivated accounts are left out.
    """
    mine, theirs = aliased(Position), aliased(Position)
    now = current_time().date()
    rows = db.session.execute(
        select(
            theirs.person_id,
            theirs.organisation_id,
            mine.start_date,
            mine.end_date,
            theirs.start_date,
            theirs.end_date,
        )
        .join(theirs, theirs.organisation_id == mine.organisation_id)
        .join(Person, Person.id == theirs.person_id)
        .where(
            mine.person_id == person.id,
            theirs.person_id != person.id,
            mine.grants_access,  # only confirmed posts make colleagues
            theirs.grants_access,
            Person.is_active_account.is_(True),
            mine.start_date <= func.coalesce(theirs.end_date, now),
            theirs.start_date <= func.coalesce(mine.end_date, now),
            or_(mine.end_date.is_not(None), theirs.end_date.is_not(None)),
        )
        .limit(MAX_CANDIDATES * 4)
    ).all()
    best: dict[int, tuple[int, date, date, int]] = {}
    for pid, org_id, a_start, a_end, b_start, b_end in rows:
        start = max(a_start, b_start)
        end = min(a_end or now, b_end or now)
        days = (end - start).days + 1
        if pid not in best or (days, end) > (best[pid][0], best[pid][2]):
            best[pid] = (days, start, end, org_id)
    ranked = sorted(best, key=lambda pid: (-best[pid][0], -best[pid][2].toordinal(), pid))
    ranked = ranked[:MAX_CANDIDATES]
    if not ranked:
        return []
    people = {
        p.id: p
        for p in db.session.scalars(
            select(Person)
            .where(Person.id.in_(ranked))
            .options(
                joinedload(Person.membership_org),
                selectinload(Person.positions).joinedload(Position.organisation),
            )
        )
    }
    orgs = {
        o.id: o
        for o in db.session.scalars(
            select(Organisation).where(Organisation.id.in_({best[p][3] for p in ranked}))
        )
    }
    policy = ContactPolicy(person, people.values())
    out: list[Colleague] = []
    for pid in ranked:
        other = people.get(pid)
        if other is None or not policy.shares_with(other):
            continue
        days, start, end, org_id = best[pid]
        out.append(Colleague(other, orgs[org_id], start, end, days))
        if len(out) == limit:
            break
    return out
