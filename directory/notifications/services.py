"""Notifications: written inside the caller's transaction, read and cleared by the recipient.

`notify` never commits: the event and its notifications land together or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select, update

from directory.core import time as clock
from directory.core.uow import transactional
from directory.extensions import db
from directory.notifications.models import Notification


def notify(recipient_ids: Iterable[int], kind: str, message: str, link: str = "") -> int:
    """Queue a notification for each recipient (deduplicated); returns how many."""
    ids = sorted(set(recipient_ids))
    db.session.add_all(
        Notification(person_id=pid, kind=kind, message=message[:500], link=link[:500])
        for pid in ids
    )
    return len(ids)


def unread_count(person_id: int) -> int:
    """Unread notifications of one person."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.person_id == person_id, Notification.read_at.is_(None))
        )
        or 0
    )


def recent(person_id: int, limit: int = 50) -> list[Notification]:
    """The person's latest notifications, newest first."""
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.person_id == person_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


@transactional
def mark_read(person_id: int, notification_id: int | None = None) -> int:
    """Mark one (or, with None, all) of the person's notifications read; commits."""
    stmt = update(Notification).where(
        Notification.person_id == person_id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    count = db.session.execute(stmt.values(read_at=clock.now())).rowcount  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult; Session.execute is typed Result
    return count
