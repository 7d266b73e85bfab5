"""Notifications: written inside the caller's transaction, read and cleared by the recipient.

`notify` never commits: the event and its notifications land together or not at all.
Give it a `core.messages.Message` (`_m(...)`), not a translated string: the recipient reads
it in their own language, whatever the sender's (docs/DESIGN.md, "Languages").
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select, update

from directory.core import time as clock
from directory.core.messages import Message
from directory.core.uow import transactional
from directory.extensions import db
from directory.notifications.models import Notification


def notify(recipient_ids: Iterable[int], kind: str, message: Message, link: str = "") -> int:
    """Queue a notification for each recipient (deduplicated); returns how many.

    The message is stored as its key and values and shown in each reader's language
    (a translated string would stay in the sender's: so none is accepted).
    """
    ids = sorted(set(recipient_ids))
    fields = stored_fields(message)
    db.session.add_all(
        Notification(person_id=pid, kind=kind, link=link[:500], **fields) for pid in ids
    )
    return len(ids)


def stored_fields(message: Message | str) -> dict[str, Any]:
    """The notification columns that hold `message` (for set-based inserts too)."""
    if isinstance(message, Message):
        key, values = message.stored()
        if len(key) <= 500:
            return {
                "message": message.in_default_language()[:500],
                "message_key": key,
                "message_values": values,
            }
        message = message.in_default_language()
    return {"message": message[:500], "message_key": None, "message_values": None}


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
