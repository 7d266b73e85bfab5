"""Liaison assignments: assign, end, the coverage of a committee, an organisation's and a member's."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import joinedload

from directory.core import time as clock
from directory.core.enums import OrgLevel
from directory.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from directory.core.messages import _m
from directory.core.uow import transactional
from directory.extensions import db
from directory.liaison.audit import record_change
from directory.liaison.models import LiaisonAssignment
from directory.liaison.permissions import (
    COMMITTEE_LEVELS,
    can_assign,
    can_view_liaison_of,
    is_committee,
)
from directory.notifications.services import notify
from directory.orgs.models import Organisation
from directory.people.models import Person, Position

A = LiaisonAssignment
BELOW_COMMITTEE = (OrgLevel.GENERAL_BRANCH, OrgLevel.BRANCH)


def committee_members(committee: Organisation) -> list[Person]:
    """People with a confirmed current post in the committee, by name."""
    return list(
        db.session.scalars(
            select(Person)
            .join(Position, Position.person_id == Person.id)
            .where(
                Position.organisation_id == committee.id,
                Position.grants_access,
                Position.end_date.is_(None),
                Person.is_active_account.is_(True),
            )
            .distinct()
            .order_by(Person.name_pinyin, Person.id)
        )
    )


def targets(committee: Organisation) -> list[Organisation]:
    """Live organisations under the committee (villages, communities, branches ...)."""
    return list(
        db.session.scalars(
            select(Organisation)
            .where(
                Organisation.path.startswith(committee.path, autoescape=True),
                Organisation.id != committee.id,
                Organisation.dissolved_at.is_(None),
            )
            .order_by(Organisation.path)
        )
    )


@transactional
def assign(actor: Person, committee: Organisation, member: Person, target: Organisation) -> A:
    """Assign a committee member to an organisation under the committee."""
    if not can_assign(actor, committee):
        raise PermissionDenied(_("只有乡镇（街道）团委的管理员可以安排定点联系。"))
    if member.id not in {p.id for p in committee_members(committee)}:
        raise ValidationError(_("只能安排本团委在任（职务已确认）的委员。"), field="member")
    if (
        target.id == committee.id
        or not target.path.startswith(committee.path)
        or target.is_dissolved
    ):
        raise ValidationError(_("联系对象必须是本团委下属的团组织。"), field="target")
    exists = db.session.scalar(
        select(A.id).where(
            A.member_id == member.id, A.target_org_id == target.id, A.ended_at.is_(None)
        )
    )
    if exists:
        raise Conflict(_("%(name)s 已经联系 %(org)s。", name=member.name, org=target.name))
    row = A(
        committee_id=committee.id,
        member_id=member.id,
        target_org_id=target.id,
        assigned_by_id=actor.id,
        created_at=clock.now(),
    )
    db.session.add(row)
    db.session.flush()
    row.member = member
    row.target_org = target
    record_change("assign", actor, row)
    notify(
        [member.id],
        "liaison",
        _m("你被安排联系 %(org)s。", org=target.name),
        _link(committee.id),
    )
    return row


def _link(committee_id: int) -> str:
    from flask import url_for

    return url_for("liaison.committee", org_id=committee_id)


@transactional
def end(actor: Person, assignment: A) -> None:
    """End an assignment (the row stays, as history)."""
    if not can_assign(actor, assignment.committee):
        raise PermissionDenied(_("只有乡镇（街道）团委的管理员可以调整定点联系。"))
    result = db.session.execute(
        update(A)
        .where(A.id == assignment.id, A.ended_at.is_(None))
        .values(ended_at=clock.now(), ended_by_id=actor.id)
    )
    if not result.rowcount:  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult
        raise Conflict(_("这项联系安排已经结束了。"))
    record_change("end", actor, assignment)


def get_assignment(assignment_id: int) -> A:
    row = db.session.scalar(
        select(A)
        .options(joinedload(A.committee), joinedload(A.member), joinedload(A.target_org))
        .where(A.id == assignment_id)
    )
    if row is None:
        raise NotFound(_("联系安排不存在。"))
    return row


@dataclass
class TargetRow:
    org: Organisation
    liaisons: list[A] = field(default_factory=list)


@dataclass
class CommitteeCoverage:
    committee: Organisation
    rows: list[TargetRow]

    @property
    def gaps(self) -> list[TargetRow]:
        return [r for r in self.rows if not r.liaisons]

    @property
    def covered(self) -> int:
        return len(self.rows) - len(self.gaps)


def coverage(committee: Organisation) -> CommitteeCoverage:
    """Every organisation under the committee with its current liaisons (two queries)."""
    orgs = targets(committee)
    rows = {o.id: TargetRow(o) for o in orgs}
    active = db.session.scalars(
        select(A)
        .options(joinedload(A.member))
        .where(A.committee_id == committee.id, A.ended_at.is_(None))
        .order_by(A.id)
    )
    for a in active:
        if a.target_org_id in rows:
            rows[a.target_org_id].liaisons.append(a)
    return CommitteeCoverage(committee, list(rows.values()))


def for_org(viewer: Person, org: Organisation) -> list[A]:
    """The current liaisons of an organisation that the viewer may see.

    Liaisons keep contact with organisations below a township committee: for the levels
    from the township up there is nothing to ask the database.
    """
    if org.level not in BELOW_COMMITTEE:
        return []
    rows = db.session.scalars(
        select(A)
        .options(joinedload(A.member), joinedload(A.committee))
        .where(A.target_org_id == org.id, A.ended_at.is_(None))
        .order_by(A.id)
    )
    return [a for a in rows if can_view_liaison_of(viewer, org, a.committee)]


def for_member(viewer: Person, person: Person) -> list[A]:
    """The organisations a person is liaison for, as far as the viewer may see them.

    Only current committee members are liaisons, so a person without a confirmed current
    post in a committee costs no query (the profile page already has their posts).
    """
    if not any(p.organisation.level in COMMITTEE_LEVELS for p in person.current_positions):
        return []
    rows = db.session.scalars(
        select(A)
        .options(joinedload(A.target_org), joinedload(A.committee))
        .where(A.member_id == person.id, A.ended_at.is_(None))
        .order_by(A.id)
    )
    if viewer.id == person.id:
        return list(rows)
    return [a for a in rows if can_view_liaison_of(viewer, a.target_org, a.committee)]


def committees_for(viewer: Person, limit: int = 200) -> list[Organisation]:
    """Committees the viewer administers (in their subtree) or belongs to."""
    clauses: list[ColumnElement[bool]] = [
        Organisation.id.in_({p.organisation_id for p in viewer.current_positions})
    ]
    if viewer.membership_org_id:
        clauses.append(Organisation.id == viewer.membership_org_id)
    if viewer.is_admin:
        clauses = [Organisation.id.is_not(None)]
    else:
        clauses += [
            Organisation.path.startswith(a.organisation.path, autoescape=True)
            for a in viewer.admin_of
        ]
    return [
        o
        for o in db.session.scalars(
            select(Organisation)
            .where(
                Organisation.level.in_(COMMITTEE_LEVELS),
                Organisation.dissolved_at.is_(None),
                or_(*clauses),
            )
            .order_by(Organisation.path)
            .limit(limit)
        )
        if is_committee(o)
    ]
