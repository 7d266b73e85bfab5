"""Discussions in groups: threads (话题), posts (回帖), revisions, attachments, reports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.extensions import Model
from directory.groups.models import Group
from directory.people.models import Person


class Thread(Model):
    """A topic in a group; its first post is the opening message."""

    __tablename__ = "group_thread"
    __table_args__ = (Index("ix_group_thread_listing", "group_id", "pinned", "last_post_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    pinned: Mapped[bool] = mapped_column(default=False)
    locked: Mapped[bool] = mapped_column(default=False)
    reply_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_post_at: Mapped[datetime] = mapped_column(server_default=func.now())
    deleted_at: Mapped[datetime | None]

    group: Mapped[Group] = relationship()
    author: Mapped[Person | None] = relationship()


class Post(Model):
    """One message. `group_id` is copied from the thread so visibility is one join away."""

    __tablename__ = "group_post"
    __table_args__ = (
        Index("ix_group_post_thread_created", "thread_id", "created_at"),
        Index("ix_group_post_group_created", "group_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("group_thread.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    quote_of_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_post.id", ondelete="SET NULL")
    )
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    hidden_at: Mapped[datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))

    thread: Mapped[Thread] = relationship()
    author: Mapped[Person | None] = relationship(foreign_keys=[author_id])
    quote_of: Mapped[Post | None] = relationship(remote_side=[id])
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="post", order_by="Attachment.id"
    )

    @property
    def is_removed(self) -> bool:
        """Deleted by its author or hidden by a moderator."""
        return self.deleted_at is not None or self.hidden_at is not None


class PostRevision(Model):
    """The text of a post before an edit (moderators can read the history)."""

    __tablename__ = "group_post_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("group_post.id", ondelete="CASCADE"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    edited_by: Mapped[Person | None] = relationship()


class Attachment(Model):
    """A work document attached to a post; the file lives under UPLOAD_DIR as `storage_key`."""

    __tablename__ = "group_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("group_post.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    post: Mapped[Post] = relationship(back_populates="attachments")


class PostReport(Model):
    """A member's report of a post to the group's moderators."""

    __tablename__ = "group_post_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(
        ForeignKey("group_post.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id", ondelete="CASCADE"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    handled_at: Mapped[datetime | None]
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    outcome: Mapped[str] = mapped_column(String(40), default="")

    post: Mapped[Post] = relationship()
    reporter: Mapped[Person | None] = relationship(foreign_keys=[reporter_id])
