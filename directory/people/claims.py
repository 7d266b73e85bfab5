"""Position claims: a self-declared post is pending until an admin of its organisation
(or above) confirms or rejects it. Only confirmed posts grant anything.

The provenance rule lives here in one place (`status_for`): a post entered by an admin
of the organisation is confirmed at once; anyone else's entry is a claim.
"""

from __future__ import annotations

from typing import cast

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import joinedload

from directory import audit
from directory.core import signals
from directory.core.enums import PositionStatus
from directory.core.errors import Conflict, PermissionDenied, ValidationError
from directory.core.messages import _m
from directory.core.pagination import ListPage
from directory.core.time import now
from directory.core.uow import transactional
from directory.extensions import db
from directory.notifications.services import notify
from directory.orgs.models import Organisation
from directory.orgs.permissions import is_org_admin
from directory.people.models import Person, Position
from directory.people.permissions import (
    can_review_position,
    org_admins_query,
    reviewable_claims_clause,
)

DEFAULT_PENDING_CAP = 3
REASON_MAX = 200


def pending_cap() -> int:
    """How many open claims one person may have at a time."""
    return int(current_app.config.get("POSITION_PENDING_CAP", DEFAULT_PENDING_CAP))


def status_for(actor: Person, organisation: Organisation) -> PositionStatus:
    """Provenance of a post `actor` records in `organisation`: confirmed only from its admins."""
    return PositionStatus.CONFIRMED if is_org_admin(actor, organisation) else PositionStatus.PENDING


def stamp(actor: Person, position: Position, status: PositionStatus, note: str = "") -> None:
    """Set the provenance of a position being recorded or changed by `actor` (no commit)."""
    position.status = status
    position.recorded_by_id = actor.id
    if status == PositionStatus.CONFIRMED:
        position.reviewed_by_id = actor.id
        position.reviewed_at = now()
        position.review_note = note or _("由组织管理员录入")
    else:
        position.reviewed_by_id = None
        position.reviewed_at = None
        position.review_note = ""


def check_cap(person_id: int, exclude_id: int | None = None) -> None:
    """Refuse a new claim when the person already has `pending_cap()` open ones."""
    query = select(func.count()).where(
        Position.person_id == person_id, Position.status == PositionStatus.PENDING
    )
    if exclude_id is not None:
        query = query.where(Position.id != exclude_id)
    if (db.session.scalar(query) or 0) >= pending_cap():
        raise ValidationError(
            _(
                "你已有 %(n)d 条待确认的职务，请等组织管理员处理后再添加。",
                n=pending_cap(),
            ),
            field="organisation",
        )


def announce_claim(position: Position) -> None:
    """Tell the admins of the claimed organisation (and above) a claim waits (no commit)."""
    org = position.organisation
    admin_ids = {p.id for p in db.session.scalars(org_admins_query(org))}
    admin_ids.discard(position.person_id)
    person = db.session.get(Person, position.person_id)
    notify(
        admin_ids,
        "position_claim",
        _m(
            "%(name)s 申报了在“%(org)s”担任%(title)s，待你确认",
            name=person.name if person else "",
            org=org.name,
            title=position.title,
        ),
        url_for("people.claims"),
    )


def reviewable_claims(viewer: Person, page: int = 1, per_page: int = 50) -> ListPage[Position]:
    """Pending claims the viewer may decide, oldest first (two queries)."""
    clause = reviewable_claims_clause(viewer)
    total = db.session.scalar(select(func.count()).select_from(Position).where(clause)) or 0
    page = max(1, page)
    items = list(
        db.session.scalars(
            select(Position)
            .options(
                joinedload(Position.person).joinedload(Person.membership_org),
                joinedload(Position.organisation).joinedload(Organisation.region),
            )
            .where(clause)
            .order_by(Position.recorded_at, Position.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    return ListPage(items, total, page, per_page)


def count_reviewable(viewer: Person) -> int:
    """How many claims wait for the viewer (for a badge or a link)."""
    return (
        db.session.scalar(
            select(func.count()).select_from(Position).where(reviewable_claims_clause(viewer))
        )
        or 0
    )


def _decide(actor: Person, position: Position, status: PositionStatus, note: str) -> Position:
    if not can_review_position(actor, position):
        raise PermissionDenied(_("只有该组织或上级组织的管理员可以审核此职务。"))
    # The state check is in the UPDATE itself: two admins deciding at once, one wins.
    done = db.session.execute(
        update(Position)
        .where(Position.id == position.id, Position.status == PositionStatus.PENDING)
        .values(status=status, reviewed_by_id=actor.id, reviewed_at=now(), review_note=note)
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult, done).rowcount != 1:
        raise Conflict(_("该职务已被处理，请刷新页面。"))
    db.session.refresh(position)
    # The conditional UPDATE bypassed the ORM: the signal tells search (and organisation
    # groups) that this person's positions changed.
    signals.positions_changed.send(None, person_id=position.person_id)
    audit.record(
        "claim.confirm" if status == PositionStatus.CONFIRMED else "claim.reject",
        actor=actor,
        subject_person=position.person,
        org=position.organisation,
        details={"title": position.title, "position_id": position.id, "note": note},
    )
    return position


@transactional
def confirm_claim(actor: Person, position: Position) -> Position:
    """Confirm a pending claim: from now on it grants groups, contacts, listing, search."""
    _decide(actor, position, PositionStatus.CONFIRMED, _("经组织管理员确认"))
    notify(
        [position.person_id],
        "position_confirmed",
        _m(
            "你在“%(org)s”担任%(title)s的职务已确认",
            org=position.organisation.name,
            title=position.title,
        ),
        url_for("people.show", person_id=position.person_id),
    )
    return position


@transactional
def reject_claim(actor: Person, position: Position, reason: str) -> Position:
    """Reject a pending claim with a reason; it stays on record, granting nothing."""
    reason = " ".join((reason or "").split())
    if not 1 <= len(reason) <= REASON_MAX:
        raise ValidationError(
            _("请填写不通过的理由（不超过 %(n)d 字）。", n=REASON_MAX), field="reason"
        )
    _decide(actor, position, PositionStatus.REJECTED, reason)
    notify(
        [position.person_id],
        "position_rejected",
        _m(
            "你在“%(org)s”担任%(title)s的职务未通过确认：%(reason)s",
            org=position.organisation.name,
            title=position.title,
            reason=reason,
        ),
        url_for("people.show", person_id=position.person_id),
    )
    return position
