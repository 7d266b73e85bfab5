"""Cadres (团干部), their career history and their admin roles."""

from __future__ import annotations

import secrets
import time
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.core.enums import (
    CadreKind,
    Establishment,
    Gender,
    PoliticalStatus,
    PositionStatus,
    Visibility,
    enum_type,
)
from directory.extensions import Model
from directory.orgs.models import Organisation


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class Person(UserMixin, Model):
    """A cadre with an account. Contact fields each carry their own visibility."""

    __tablename__ = "person"
    __table_args__ = (
        CheckConstraint(
            "birth_year IS NULL OR birth_year BETWEEN 1900 AND 2100", name="birth_year"
        ),
        # Records of a subtree not updated for a year (stats/quality.py): one range per
        # organisation instead of a scan of everyone below.
        Index("ix_person_org_updated", "membership_org_id", "updated_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    # 40 characters of up to 6 pinyin letters each ("zhuang") fit.
    name_pinyin: Mapped[str] = mapped_column(String(255), default="", index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    is_admin: Mapped[bool] = mapped_column(default=False)
    is_active_account: Mapped[bool] = mapped_column(default=True)

    gender: Mapped[Gender | None] = mapped_column(enum_type(Gender))
    birth_year: Mapped[int | None]
    political_status: Mapped[PoliticalStatus | None] = mapped_column(enum_type(PoliticalStatus))
    cadre_kind: Mapped[CadreKind | None] = mapped_column(enum_type(CadreKind))
    establishment: Mapped[Establishment | None] = mapped_column(enum_type(Establishment))
    phone: Mapped[str | None] = mapped_column(String(20))
    wechat: Mapped[str | None] = mapped_column(String(40))
    bio: Mapped[str] = mapped_column(Text, default="")
    phone_visibility: Mapped[Visibility] = mapped_column(
        enum_type(Visibility), default=Visibility.SHARED
    )
    email_visibility: Mapped[Visibility] = mapped_column(
        enum_type(Visibility), default=Visibility.SHARED
    )
    wechat_visibility: Mapped[Visibility] = mapped_column(
        enum_type(Visibility), default=Visibility.SHARED
    )

    membership_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())
    last_login_at: Mapped[datetime | None]

    membership_org: Mapped[Organisation | None] = relationship()
    positions: Mapped[list[Position]] = relationship(
        back_populates="person",
        foreign_keys="Position.person_id",
        order_by="(Position.end_date.is_(None).desc(), Position.start_date.desc())",
        cascade="all, delete-orphan",
    )
    admin_of: Mapped[list[OrgAdmin]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )

    @property
    def is_any_org_admin(self) -> bool:
        """A system admin, or the admin of at least one organisation."""
        return self.is_admin or bool(self.admin_of)

    def get_id(self) -> str:
        # "id:session token:sign-in time:remember" (see accounts/loader.py). The token is
        # part of the id, so replacing it (logout, password change) ends every session
        # and remember-me cookie; the sign-in time bounds the lifetime absolutely.
        stored = self.__dict__.get("_login_id")
        if isinstance(stored, str) and stored.split(":")[1:2] == [self.session_token]:
            return stored
        return f"{self.id}:{self.session_token}:{int(time.time())}:0"

    def stamp_login(self, login_id: str) -> None:
        """Remember the id this person is signed in under (set by the user loader)."""
        self.__dict__["_login_id"] = login_id

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    @property
    def current_positions(self) -> list[Position]:
        """Confirmed current posts: what everyone else sees and what grants access."""
        return [p for p in self.positions if p.grants_access and p.end_date is None]

    @property
    def past_positions(self) -> list[Position]:
        """Confirmed former posts."""
        return [p for p in self.positions if p.grants_access and p.end_date is not None]

    @property
    def unconfirmed_positions(self) -> list[Position]:
        """Pending and rejected claims: shown to the person and to admins only."""
        return [p for p in self.positions if not p.grants_access]

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.name}>"


class Position(Model):
    """A post held in an organisation; the current one has no end date.

    Its provenance is `status`: entered by an admin of the organisation (or above) it is
    confirmed; self-declared it is pending until such an admin confirms or rejects it.
    Only `grants_access` positions count for groups, contacts, lists, search and transfers.
    """

    __tablename__ = "position"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates_ordered"),
        Index("ix_position_org_status", "organisation_id", "status"),
        # Current confirmed posts of a subtree (tenure, secretaries, committees: stats/),
        # answered from the index alone.
        Index(
            "ix_position_org_current",
            "organisation_id",
            "status",
            "end_date",
            "start_date",
            "title",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(40))
    start_date: Mapped[date]
    end_date: Mapped[date | None]
    # Fail closed: a row written without an explicit status is a claim, not a fact.
    status: Mapped[PositionStatus] = mapped_column(
        enum_type(PositionStatus), default=PositionStatus.PENDING
    )
    recorded_at: Mapped[datetime] = mapped_column(server_default=func.now())
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    # The reason of a rejection (kept for history), or how a confirmation came about.
    review_note: Mapped[str] = mapped_column(String(200), default="")

    person: Mapped[Person] = relationship(back_populates="positions", foreign_keys=[person_id])
    organisation: Mapped[Organisation] = relationship()
    recorded_by: Mapped[Person | None] = relationship(foreign_keys=[recorded_by_id])
    reviewed_by: Mapped[Person | None] = relationship(foreign_keys=[reviewed_by_id])

    @property
    def is_current(self) -> bool:
        return self.end_date is None

    @hybrid_property
    def grants_access(self) -> bool:
        """The one predicate for "this position counts": confirmed by an admin."""
        return self.status == PositionStatus.CONFIRMED

    @grants_access.inplace.expression
    @classmethod
    def _grants_access_expression(cls) -> ColumnElement[bool]:
        return cls.status == PositionStatus.CONFIRMED

    @property
    def is_pending(self) -> bool:
        return self.status == PositionStatus.PENDING

    @property
    def is_rejected(self) -> bool:
        return self.status == PositionStatus.REJECTED


class OrgAdmin(Model):
    """An organisation admin (组织管理员): administers the organisation and its subtree."""

    __tablename__ = "org_admin"
    __table_args__ = (UniqueConstraint("person_id", "organisation_id", name="person_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), index=True
    )

    person: Mapped[Person] = relationship(back_populates="admin_of")
    organisation: Mapped[Organisation] = relationship()
