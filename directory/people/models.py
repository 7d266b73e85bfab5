"""Cadres (团干部), their career history and their admin roles."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.core.enums import (
    CadreKind,
    Establishment,
    Gender,
    PoliticalStatus,
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
        order_by="(Position.end_date.is_(None).desc(), Position.start_date.desc())",
        cascade="all, delete-orphan",
    )
    admin_of: Mapped[list[OrgAdmin]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )

    def get_id(self) -> str:
        # The session token is part of the id, so changing it (password change)
        # ends every other session and remember-me cookie.
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    @property
    def current_positions(self) -> list[Position]:
        return [p for p in self.positions if p.end_date is None]

    @property
    def past_positions(self) -> list[Position]:
        return [p for p in self.positions if p.end_date is not None]

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.name}>"


class Position(Model):
    """A post held in an organisation; the current one has no end date."""

    __tablename__ = "position"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(40))
    start_date: Mapped[date]
    end_date: Mapped[date | None]

    person: Mapped[Person] = relationship(back_populates="positions")
    organisation: Mapped[Organisation] = relationship()

    @property
    def is_current(self) -> bool:
        return self.end_date is None


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
