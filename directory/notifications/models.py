"""In-app notifications (the bell)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from directory.core.messages import rendered
from directory.extensions import Model


class Notification(Model):
    """One message to one person. `kind` names the event, for per-user settings.

    `message_key` and `message_values` are what the message is made of (core/messages.py):
    `text` renders them in the reader's language. `message` is the text in the default
    language, kept for rows written before the key existed and for anything that reads the
    column directly.
    """

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_person_unread", "person_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(String(500))
    message_key: Mapped[str | None] = mapped_column(String(500))
    message_values: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
    read_at: Mapped[datetime | None]

    @property
    def text(self) -> str:
        """The message in the current (the reader's) language."""
        return rendered(self.message_key, self.message_values, self.message)
