"""A saved list of people (名单) and its members; a list belongs to the admin who made it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.extensions import Model
from directory.people.models import Person

MAX_NAME = 100


class PersonList(Model):
    """A named list of people kept by one admin (its owner); nobody else sees it."""

    __tablename__ = "person_list"
    __table_args__ = (UniqueConstraint("owner_id", "name", name="owner_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(MAX_NAME))
    member_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now())

    owner: Mapped[Person] = relationship()


class PersonListMember(Model):
    """One person on a list (once)."""

    __tablename__ = "person_list_member"
    __table_args__ = (UniqueConstraint("list_id", "person_id", name="list_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("person_list.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    added_at: Mapped[datetime] = mapped_column(server_default=func.now())

    person: Mapped[Person] = relationship()
