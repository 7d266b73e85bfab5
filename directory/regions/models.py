"""Administrative divisions (行政区划), identified by official division codes."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.core.enums import RegionLevel, enum_type
from directory.extensions import Model


class Region(Model):
    """A division: province > city > county > township > village/community.

    Codes are hierarchical (2, 4, 6, 9, 12 digits), so "everything inside a region"
    is a prefix match on code.
    """

    __tablename__ = "region"
    __table_args__ = (CheckConstraint("length(code) IN (2, 4, 6, 9, 12)", name="code_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(60))
    level: Mapped[RegionLevel] = mapped_column(enum_type(RegionLevel))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("region.id", ondelete="RESTRICT"), index=True
    )

    parent: Mapped[Region | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Region]] = relationship(back_populates="parent", order_by="Region.code")

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name}>"
