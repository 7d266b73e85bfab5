"""Notices (通知公告) down the tree: the notice, its attachments, one row per recipient."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.core.enums import CadreKind, LabelledEnum, OrgLevel, Sector, enum_type
from directory.extensions import Model
from directory.orgs.models import Organisation
from directory.people.models import Person


class NoticeStatus(LabelledEnum):
    """Delivery of a notice: recipients are materialised by a background step."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {"queued": _l("发送中"), "sent": _l("已送达"), "failed": _l("发送失败")}


class Notice(Model):
    """A notice from an organisation to the cadres of its subtree, maybe narrowed."""

    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date | None]
    reply_required: Mapped[bool] = mapped_column(default=False)
    # Narrowing of the subtree (None: every level / sector / kind).
    level: Mapped[OrgLevel | None] = mapped_column(enum_type(OrgLevel))
    sector: Mapped[Sector | None] = mapped_column(enum_type(Sector))
    cadre_kind: Mapped[CadreKind | None] = mapped_column(enum_type(CadreKind))
    status: Mapped[NoticeStatus] = mapped_column(
        enum_type(NoticeStatus), default=NoticeStatus.QUEUED
    )
    recipient_count: Mapped[int] = mapped_column(default=0)
    # The background job that delivers it (directory/jobs), when there is one.
    job_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
    sent_at: Mapped[datetime | None]

    org: Mapped[Organisation] = relationship()
    author: Mapped[Person | None] = relationship()
    attachments: Mapped[list[NoticeAttachment]] = relationship(
        back_populates="notice", order_by="NoticeAttachment.id"
    )

    @property
    def is_sent(self) -> bool:
        return self.status == NoticeStatus.SENT


class NoticeAttachment(Model):
    """A file sent with a notice (checked like group attachments)."""

    __tablename__ = "notice_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    storage_key: Mapped[str] = mapped_column(String(64))

    notice: Mapped[Notice] = relationship(back_populates="attachments")


class NoticeRecipient(Model):
    """One cadre's copy of a notice: read, replied, reminded.

    `org_id` is the organisation the cadre was reached through (a snapshot, without a
    foreign key: organisations are dissolved, never deleted, and delivering 100,000 rows
    should not pay 100,000 trigger checks). One index serves the coverage page: its GROUP BY
    org_id and its unread list (ordered by org_id, person_id) both read it in order.
    """

    __tablename__ = "notice_recipient"
    __table_args__ = (
        UniqueConstraint("notice_id", "person_id", name="notice_person"),
        Index(
            "ix_notice_recipient_coverage",
            "notice_id",
            "org_id",
            "person_id",
            "read_at",
            "replied_at",
        ),
        Index("ix_notice_recipient_person", "person_id", "notice_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    org_id: Mapped[int]
    read_at: Mapped[datetime | None]
    replied_at: Mapped[datetime | None]
    reply: Mapped[str] = mapped_column(Text, default="")
    reminded_at: Mapped[datetime | None]

    notice: Mapped[Notice] = relationship()
    person: Mapped[Person] = relationship()
    org: Mapped[Organisation] = relationship(
        primaryjoin="foreign(NoticeRecipient.org_id) == Organisation.id", viewonly=True
    )
