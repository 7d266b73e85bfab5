"""Saved lists: create (empty or from a search), rename, delete, add and remove people.

Every call checks that the actor owns the list and that every person put on it is in the
actor's charge (`permissions.in_charge_clause`), in the same query that writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, delete, func, insert, literal, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from directory.core import time as clock
from directory.core.errors import NotFound, PermissionDenied, ValidationError
from directory.core.pagination import ListPage
from directory.core.signals import list_removed
from directory.core.uow import transactional, unit_of_work
from directory.extensions import db
from directory.lists.models import MAX_NAME, PersonList, PersonListMember
from directory.lists.permissions import can_keep_lists, can_use_list, in_charge_clause
from directory.people.models import Person

MAX_MEMBERS = 5_000  # as many as a search export holds
PER_PAGE = 50


@dataclass
class Saved:
    """What saving a search did: the list, how many were put on it, how many left out."""

    plist: PersonList
    added: int
    skipped: int
    truncated: bool


def _name(owner: Person, name: str, *, other_than: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise ValidationError(_("请填写名单名称。"), field="name")
    if len(name) > MAX_NAME:
        raise ValidationError(_("名单名称最多 %(n)d 个字。", n=MAX_NAME), field="name")
    clash = select(PersonList.id).where(PersonList.owner_id == owner.id, PersonList.name == name)
    if other_than is not None:
        clash = clash.where(PersonList.id != other_than)
    if db.session.scalar(clash) is not None:
        raise ValidationError(_("你已有一个叫“%(name)s”的名单。", name=name), field="name")
    return name


def _require_keeper(actor: Person) -> None:
    if not can_keep_lists(actor):
        raise PermissionDenied(_("只有管理员可以保存名单。"))


def get_list(actor: Person, list_id: int) -> PersonList:
    """The actor's own list (anyone else's is "not found", as if it did not exist)."""
    _require_keeper(actor)
    plist = db.session.get(PersonList, list_id)
    if plist is None or not can_use_list(actor, plist):
        raise NotFound(_("名单不存在。"))
    return plist


def mine(owner: Person) -> list[PersonList]:
    """The owner's lists, most recently changed first."""
    return list(
        db.session.scalars(
            select(PersonList)
            .where(PersonList.owner_id == owner.id)
            .order_by(PersonList.updated_at.desc(), PersonList.id.desc())
        )
    )


def members(plist: PersonList, page: int) -> ListPage[Person]:
    """The people on the list, by pinyin."""
    stmt = (
        select(Person)
        .join(PersonListMember, PersonListMember.person_id == Person.id)
        .options(joinedload(Person.membership_org))
        .where(PersonListMember.list_id == plist.id)
        .order_by(Person.name_pinyin, Person.id)
    )
    result = ListPage.fetch(stmt, page, PER_PAGE, count=False)
    result.total = plist.member_count
    return result


def _add_ids(owner: Person, plist: PersonList, ids: Select[Any]) -> int:
    """Put the people selected by `ids` who are in the owner's charge on the list (set-based)."""
    room = MAX_MEMBERS - plist.member_count
    if room <= 0:
        raise ValidationError(_("一个名单最多 %(n)d 人。", n=MAX_MEMBERS), field="person")
    already = select(PersonListMember.person_id).where(PersonListMember.list_id == plist.id)
    chosen = (
        select(literal(plist.id), Person.id, literal(clock.now()))
        .where(Person.id.in_(ids), in_charge_clause(owner), Person.id.not_in(already))
        .order_by(Person.id)
        .limit(room)
    )
    before = plist.member_count
    db.session.execute(
        insert(PersonListMember).from_select(["list_id", "person_id", "added_at"], chosen)
    )
    _touch(plist)  # the recount says how many went in (an INSERT ... SELECT's rowcount
    return plist.member_count - before  # is -1 through the ORM on PostgreSQL)


def _touch(plist: PersonList) -> None:
    """Recount the members and stamp the change (one UPDATE)."""
    db.session.execute(
        update(PersonList)
        .where(PersonList.id == plist.id)
        .values(
            member_count=select(func.count())
            .select_from(PersonListMember)
            .where(PersonListMember.list_id == plist.id)
            .scalar_subquery(),
            updated_at=clock.now(),
        )
    )
    db.session.refresh(plist)


def create(owner: Person, name: str) -> PersonList:
    """A new empty list."""
    with unit_of_work():
        _require_keeper(owner)
        now = clock.now()
        plist = PersonList(
            owner_id=owner.id, name=_name(owner, name), created_at=now, updated_at=now
        )
        db.session.add(plist)
        try:
            db.session.flush()
        except IntegrityError:  # the same name saved twice at once
            raise ValidationError(
                _("你已有一个叫“%(name)s”的名单。", name=name), field="name"
            ) from None
    return plist


def save_search(owner: Person, name: str, args: Mapping[str, str]) -> Saved:
    """A new list holding the people a search finds (those in the owner's charge)."""
    from directory.search import service as search

    _require_keeper(owner)
    params = search.parse(args)
    params.page = 1
    page = search.search_people(owner, params, per_page=MAX_MEMBERS)
    ids = [hit.person.id for hit in page.items]
    with unit_of_work():
        plist = create(owner, name)
        added = _add_ids(owner, plist, select(Person.id).where(Person.id.in_(ids))) if ids else 0
    return Saved(plist, added, len(ids) - added, (page.total or 0) > MAX_MEMBERS)


@transactional
def rename(owner: Person, plist: PersonList, name: str) -> None:
    if not can_use_list(owner, plist):
        raise NotFound(_("名单不存在。"))
    plist.name = _name(owner, name, other_than=plist.id)
    plist.updated_at = clock.now()
    try:
        db.session.flush()
    except IntegrityError:  # the same name given to two lists at once
        raise ValidationError(
            _("你已有一个叫“%(name)s”的名单。", name=plist.name), field="name"
        ) from None


@transactional
def remove_list(owner: Person, plist: PersonList) -> None:
    """Delete the list (its members go with it; notices already sent keep their name)."""
    if not can_use_list(owner, plist):
        raise NotFound(_("名单不存在。"))
    # Features that point at lists let go of it first (notices: a queued notice narrowed
    # to this list then reaches nobody, never everyone), explicitly, not through the
    # foreign keys' ON DELETE, which SQLite does not enforce here.
    list_removed.send(None, list_id=plist.id)
    db.session.execute(delete(PersonListMember).where(PersonListMember.list_id == plist.id))
    db.session.execute(delete(PersonList).where(PersonList.id == plist.id))


@transactional
def add_person(owner: Person, plist: PersonList, person: Person) -> None:
    """Put one person on the list; someone outside the owner's charge is refused."""
    if not can_use_list(owner, plist):
        raise NotFound(_("名单不存在。"))
    on = db.session.scalar(
        select(PersonListMember.id).where(
            PersonListMember.list_id == plist.id, PersonListMember.person_id == person.id
        )
    )
    if on is not None:
        raise ValidationError(_("%(name)s 已在名单中。", name=person.name), field="person")
    if not _add_ids(owner, plist, select(literal(person.id))):
        raise ValidationError(
            _("%(name)s 不在你管理的团组织中，不能加入名单。", name=person.name), field="person"
        )


@transactional
def remove_person(owner: Person, plist: PersonList, person_id: int) -> bool:
    """Take one person off the list (False when they were not on it)."""
    if not can_use_list(owner, plist):
        raise NotFound(_("名单不存在。"))
    before = plist.member_count
    db.session.execute(
        delete(PersonListMember).where(
            PersonListMember.list_id == plist.id, PersonListMember.person_id == person_id
        )
    )
    _touch(plist)
    return plist.member_count < before


def candidates(owner: Person, text: str, limit: int = 10) -> list[Person]:
    """People in the owner's charge matching the typed text (the list's picker)."""
    from directory.people.services import pick_people

    found = pick_people(text, limit=limit * 3)
    if not found:
        return []
    allowed = set(
        db.session.scalars(
            select(Person.id).where(Person.id.in_([p.id for p in found]), in_charge_clause(owner))
        )
    )
    return [p for p in found if p.id in allowed][:limit]
