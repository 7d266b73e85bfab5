"""League organisations (团组织) and the tree they form."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.core.enums import OrgLevel, Sector, enum_type
from directory.extensions import Model
from directory.regions.models import Region


class Organisation(Model):
    """One node of the tree 团中央 → province → ... → branch.

    `path` is the materialised chain of ids ("/1/7/42/"), so a subtree is one
    prefix match and the ancestors are in the row itself.
    """

    __tablename__ = "organisation"
    __table_args__ = (
        # A subtree is `path LIKE '/1/7/%'`. Under a non-C collation (C.UTF-8, zh_CN...)
        # PostgreSQL's plain btree cannot serve a prefix LIKE; one with the pattern
        # operators can. SQLite has no such index (its LIKE is case-insensitive and uses
        # none); the plain index stays for equality and ORDER BY path.
        Index(
            "ix_organisation_path_pattern",
            "path",
            postgresql_ops={"path": "varchar_pattern_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[OrgLevel] = mapped_column(enum_type(OrgLevel))
    sector: Mapped[Sector | None] = mapped_column(enum_type(Sector))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="RESTRICT"), index=True)
    path: Mapped[str] = mapped_column(String(400), index=True, default="")
    dissolved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    parent: Mapped[Organisation | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Organisation]] = relationship(
        back_populates="parent", order_by="Organisation.name"
    )
    region: Mapped[Region] = relationship()

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to and including this organisation."""
        return [int(p) for p in self.path.strip("/").split("/") if p]

    @property
    def is_dissolved(self) -> bool:
        return self.dissolved_at is not None

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name}>"
