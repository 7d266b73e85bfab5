"""The statistics tally: counts of active cadres kept per organisation (stats/tally.py).

`cadre_tally` holds, for every organisation, the active cadres of its whole subtree per
profile bucket (birth year, kind, establishment, political status; 0 or '' for "not
filled"). `org_tally` holds per organisation its own members (membership exactly there) and
the people and filled profile fields of its subtree. The statistics page reads one
organisation's rows instead of scanning every person below it.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from directory.extensions import Model


class CadreTally(Model):
    """Active cadres in an organisation's subtree with one combination of profile values."""

    __tablename__ = "cadre_tally"

    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True
    )
    birth_year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # 0: unknown
    cadre_kind: Mapped[str] = mapped_column(String(9), primary_key=True)  # '': unknown
    establishment: Mapped[str] = mapped_column(String(3), primary_key=True)
    political_status: Mapped[str] = mapped_column(String(6), primary_key=True)
    people: Mapped[int] = mapped_column(default=0)


class OrgTally(Model):
    """An organisation's own active members, and the active people of its subtree."""

    __tablename__ = "org_tally"

    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    own: Mapped[int] = mapped_column(default=0)
    people: Mapped[int] = mapped_column(default=0)
    filled: Mapped[int] = mapped_column(default=0)  # profile fields filled, summed
