"""Liaison assignments (定点联系): committee members assigned to villages, communities, branches."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.extensions import Model
from directory.orgs.models import Organisation
from directory.people.models import Person


class LiaisonAssignment(Model):
    """A member of a township or street committee keeps contact with one organisation below.

    Rows are never deleted: ending an assignment stamps `ended_at`/`ended_by_id`, so the
    table is also the history of who was assigned where, by whom and when.
    """

    __tablename__ = "liaison_assignment"
    __table_args__ = (
        Index("ix_liaison_committee_active", "committee_id", "ended_at"),
        Index("ix_liaison_target_active", "target_org_id", "ended_at"),
        Index("ix_liaison_member_active", "member_id", "ended_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"))
    member_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    target_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    ended_at: Mapped[datetime | None]
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))

    committee: Mapped[Organisation] = relationship(foreign_keys=[committee_id])
    member: Mapped[Person] = relationship(foreign_keys=[member_id])
    target_org: Mapped[Organisation] = relationship(foreign_keys=[target_org_id])
    assigned_by: Mapped[Person | None] = relationship(foreign_keys=[assigned_by_id])
