"""Information reports (信息报送) up the tree, with their photos."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.core.enums import LabelledEnum, enum_type
from directory.extensions import Model
from directory.orgs.models import Organisation
from directory.people.models import Person


class ReportStatus(LabelledEnum):
    """Where a report stands with the organisation it was sent to."""

    SUBMITTED = "submitted"
    RECEIVED = "received"
    RETURNED = "returned"
    ADOPTED = "adopted"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "submitted": _l("待处理"),
            "received": _l("已收到"),
            "returned": _l("已退回"),
            "adopted": _l("已采用"),
        }


class InfoReport(Model):
    """A short report from an organisation to the one above it.

    Passing an adopted report further up makes a new report from the adopting
    organisation to its parent, pointing back at the original (`forwarded_from_id`).
    """

    __tablename__ = "info_report"
    __table_args__ = (
        Index("ix_info_report_to_status", "to_org_id", "status"),
        Index("ix_info_report_from_created", "from_org_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    from_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"))
    to_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[ReportStatus] = mapped_column(
        enum_type(ReportStatus), default=ReportStatus.SUBMITTED
    )
    # The receiving organisation's comment (why returned, or what it adopted it for).
    comment: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    forwarded_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("info_report.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    from_org: Mapped[Organisation] = relationship(foreign_keys=[from_org_id])
    to_org: Mapped[Organisation] = relationship(foreign_keys=[to_org_id])
    author: Mapped[Person | None] = relationship(foreign_keys=[author_id])
    decided_by: Mapped[Person | None] = relationship(foreign_keys=[decided_by_id])
    forwarded_from: Mapped[InfoReport | None] = relationship(remote_side=[id])
    photos: Mapped[list[ReportPhoto]] = relationship(
        back_populates="report", order_by="ReportPhoto.id"
    )


class ReportPhoto(Model):
    """A photo of a report (images only, checked by content)."""

    __tablename__ = "info_report_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("info_report.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    storage_key: Mapped[str] = mapped_column(String(64))

    report: Mapped[InfoReport] = relationship(back_populates="photos")
