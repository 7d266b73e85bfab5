"""In-app notifications (the bell)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from directory.extensions import Model


class Notification(Model):
    """One message to one person. `kind` names the event, for per-user settings."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_person_unread", "person_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(String(500))
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
    read_at: Mapped[datetime | None]
