"""People: names and their pinyin, profiles, the directory list and career history."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import gettext as _
from pypinyin import Style, lazy_pinyin
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from directory.core import signals
from directory.core import time as clock
from directory.core.enums import (
    CadreKind,
    Establishment,
    Gender,
    PoliticalStatus,
    PositionStatus,
    Visibility,
)
from directory.core.errors import NotFound, PermissionDenied, ValidationError
from directory.core.pagination import ListPage
from directory.core.sql import contains, startswith
from directory.core.text import name_pinyin
from directory.core.uow import transactional, unit_of_work
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.people import claims
from directory.people.models import Person, Position
from directory.people.permissions import can_edit_profile, can_manage_position, can_view_profile

EARLIEST_START = date(1950, 1, 1)
MIN_BIRTH_YEAR = 1940
MIN_AGE = 14

# Profile fields update_profile accepts, with the enum each must belong to (None: free value).
_PROFILE_FIELDS: dict[str, type | None] = {
    "name": None,
    "email": None,
    "gender": Gender,
    "birth_year": None,
    "political_status": PoliticalStatus,
    "cadre_kind": CadreKind,
    "establishment": Establishment,
    "phone": None,
    "wechat": None,
    "bio": None,
    "phone_visibility": Visibility,
    "email_visibility": Visibility,
    "wechat_visibility": Visibility,
}
_REQUIRED_ENUMS = {"phone_visibility", "email_visibility", "wechat_visibility"}


def pinyin_of(name: str) -> str:
    """Toneless pinyin of a name, syllables joined without spaces ("zhangtong")."""
    return (
        name_pinyin(name)
        or "".join(lazy_pinyin(name, style=Style.NORMAL, errors="default")).lower()
    )


def max_birth_year(today: date | None = None) -> int:
    """The latest birth year a cadre may have (this year minus 14)."""
    return (today or clock.today()).year - MIN_AGE


def get_profile(person_id: int, viewer: Person | None = None) -> Person:
    """A person with membership organisation and every position (organisation, region) loaded.

    A deactivated account is not found, except by someone who administers it.
    """
    person = db.session.scalar(
        select(Person)
        .options(
            joinedload(Person.membership_org),
            selectinload(Person.positions)
            .joinedload(Position.organisation)
            .joinedload(Organisation.region),
        )
        .where(Person.id == person_id)
    )
    if person is None or not can_view_profile(viewer, person):
        raise NotFound(_("此人不存在。"))
    return person


def list_people(text: str = "", page: int = 1, per_page: int = 20) -> ListPage[Person]:
    """Active people ordered by name pinyin, optionally filtered by name or pinyin."""
    query = select(Person).where(Person.is_active_account.is_(True))
    text = text.strip()[:40]
    if text:
        pinyin = "".join(text.split()).lower()
        query = query.where(
            or_(
                contains(Person.name, text),
                contains(Person.name_pinyin, pinyin),
            )
        )
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, page)
    items = list(
        db.session.scalars(
            query.options(joinedload(Person.membership_org))
            .order_by(Person.name_pinyin, Person.id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    return ListPage(items, total, page, per_page)


def _require_editor(actor: Person, person: Person) -> None:
    if not can_edit_profile(actor, person):
        raise PermissionDenied(_("你不能修改此人的资料。"))


def _require_position_manager(actor: Person, position: Position) -> None:
    if not can_manage_position(actor, position):
        raise PermissionDenied(_("你不能修改此职务。"))


def _check_profile_value(key: str, value: Any) -> Any:
    kind = _PROFILE_FIELDS.get(key, "unknown")
    if kind == "unknown":
        raise ValidationError(_("未知的资料项：%(key)s", key=key))
    if kind is not None:
        if value in (None, "") and key not in _REQUIRED_ENUMS:
            return None
        try:
            return kind(value)  # type: ignore[operator]  # a type here: "unknown" was refused above
        except ValueError:
            raise ValidationError(_("选项无效，请从列表中选择。"), field=key) from None
    if key == "name":
        value = (value or "").strip()
        if not 1 <= len(value) <= 40:
            raise ValidationError(_("姓名应为 1 到 40 个字。"), field=key)
    elif key == "email":
        value = (value or "").strip().lower()
        if not value or "@" not in value or len(value) > 254:
            raise ValidationError(_("电子邮箱格式不正确。"), field=key)
    elif key == "birth_year" and value not in (None, ""):
        value = int(value) if str(value).isascii() and str(value).isdigit() else -1
        if not MIN_BIRTH_YEAR <= value <= max_birth_year():
            raise ValidationError(
                _("出生年份应在 %(lo)s 到 %(hi)s 之间。", lo=MIN_BIRTH_YEAR, hi=max_birth_year()),
                field=key,
            )
    elif key == "bio":
        value = value or ""
        if len(value) > 2000:
            raise ValidationError(_("简介不能超过 2000 字。"), field=key)
    elif key in ("phone", "wechat", "birth_year"):
        value = value or None
    return value


def update_profile(actor: Person, person: Person, **fields: Any) -> Person:
    """Change profile fields of `person` in one transaction (membership only for system admins).

    A membership change by a system admin sends `membership_changed`, as a transfer does.
    """
    _require_editor(actor, person)
    org = fields.pop("membership_org", None)
    values = {key: _check_profile_value(key, value) for key, value in fields.items()}
    if org is not None and org.id != person.membership_org_id:
        if not actor.is_admin:
            raise PermissionDenied(
                _("只有系统管理员可以直接修改组织关系，请通过组织关系转接办理。")
            )
        if org.is_dissolved:
            raise ValidationError(
                _("团组织“%(name)s”已撤销。", name=org.name), field="membership_org"
            )
    email = values.get("email")
    if email and email != person.email:
        taken = db.session.scalar(
            select(func.count()).where(Person.email == email, Person.id != person.id)
        )
        if taken:
            raise ValidationError(_("该电子邮箱已被使用。"), field="email")
    try:
        with unit_of_work():
            for key, value in values.items():
                setattr(person, key, value)
            if "name" in values:
                person.name_pinyin = pinyin_of(values["name"])
            if org is not None and org.id != person.membership_org_id:
                old_org_id = person.membership_org_id
                person.membership_org = org
                signals.membership_changed.send(
                    None, person_id=person.id, old_org_id=old_org_id, new_org_id=org.id
                )
    except IntegrityError:
        # Two edits raced for the same e-mail address; the unique index caught it.
        raise ValidationError(_("该电子邮箱已被使用。"), field="email") from None
    return person


def _check_position(organisation: Organisation, title: str, start: date, end: date | None) -> str:
    title = (title or "").strip()
    if not 1 <= len(title) <= 40:
        raise ValidationError(_("职务名称应为 1 到 40 个字。"), field="title")
    today = clock.today()
    if start < EARLIEST_START:
        raise ValidationError(_("任职开始日期不能早于 1950 年。"), field="start_date")
    if start > today:
        raise ValidationError(_("任职开始日期不能晚于今天。"), field="start_date")
    if end is not None:
        if end < start:
            raise ValidationError(_("卸任日期不能早于开始日期。"), field="end_date")
        if end > today:
            raise ValidationError(_("卸任日期不能晚于今天。"), field="end_date")
    return title


def _positions_changed(person_id: int) -> None:
    signals.positions_changed.send(None, person_id=person_id)


def get_position(person: Person, position_id: int) -> Position:
    """One position of `person` (404 when it belongs to someone else or does not exist)."""
    position = db.session.scalar(
        select(Position)
        .options(joinedload(Position.organisation), joinedload(Position.person))
        .where(Position.id == position_id)
    )
    if position is None or position.person_id != person.id:
        raise NotFound(_("该职务不存在。"))
    return position


@transactional
def add_position(
    actor: Person,
    person: Person,
    organisation: Organisation,
    title: str,
    start_date: date,
    end_date: date | None = None,
) -> Position:
    """Record a position (current when it has no end date) in a live organisation.

    Entered by an admin of the organisation (or above) it is confirmed; otherwise it is a
    claim, pending until such an admin decides, and they are notified.
    """
    _require_editor(actor, person)
    if organisation.is_dissolved:
        raise ValidationError(
            _("团组织“%(name)s”已撤销。", name=organisation.name), field="organisation"
        )
    title = _check_position(organisation, title, start_date, end_date)
    status = claims.status_for(actor, organisation)
    if status == PositionStatus.PENDING:
        claims.check_cap(person.id)
    position = Position(
        person_id=person.id,
        organisation=organisation,
        title=title,
        start_date=start_date,
        end_date=end_date,
    )
    claims.stamp(actor, position, status)
    db.session.add(position)
    if status == PositionStatus.PENDING:
        db.session.flush()
        claims.announce_claim(position)
    _positions_changed(person.id)
    return position


@transactional
def update_position(
    actor: Person,
    position: Position,
    organisation: Organisation,
    title: str,
    start_date: date,
    end_date: date | None = None,
) -> Position:
    """Change a position; moving it to a dissolved organisation is refused.

    A change that claims more than the record says (another organisation or title, an
    earlier start, a later or no end) by someone who is not an admin of the organisation
    makes it a pending claim again; ending it earlier keeps its status. Only the profile's
    editors edit; admins of the post's organisation end or delete it.
    """
    _require_editor(actor, position.person)
    if organisation.id != position.organisation_id and organisation.is_dissolved:
        raise ValidationError(
            _("团组织“%(name)s”已撤销。", name=organisation.name), field="organisation"
        )
    title = _check_position(organisation, title, start_date, end_date)
    old_end = position.end_date
    claims_more = (
        organisation.id != position.organisation_id
        or title != position.title
        or start_date < position.start_date
        or (old_end is not None and (end_date is None or end_date > old_end))
        or position.status == PositionStatus.REJECTED
    )
    status = claims.status_for(actor, organisation)
    announce = False
    if status == PositionStatus.CONFIRMED:
        if not position.grants_access or claims_more:
            claims.stamp(actor, position, status)
    elif claims_more or position.status == PositionStatus.PENDING:
        if position.status != PositionStatus.PENDING:
            claims.check_cap(position.person_id, exclude_id=position.id)
        announce = position.status != PositionStatus.PENDING or claims_more
        claims.stamp(actor, position, status)
    position.organisation = organisation
    position.title = title
    position.start_date = start_date
    position.end_date = end_date
    if announce:
        db.session.flush()
        claims.announce_claim(position)
    _positions_changed(position.person_id)
    return position


@transactional
def end_position(actor: Person, position: Position, end_date: date) -> Position:
    """Set the end date of a position (it becomes 曾任); its organisation's admins may too."""
    _require_position_manager(actor, position)
    _check_position(position.organisation, position.title, position.start_date, end_date)
    position.end_date = end_date
    _positions_changed(position.person_id)
    return position


@transactional
def delete_position(actor: Person, position: Position) -> None:
    """Remove a position recorded by mistake; its organisation's admins may too."""
    _require_position_manager(actor, position)
    person_id = position.person_id
    db.session.delete(position)
    _positions_changed(person_id)


@transactional
def end_posts_in(actor: Person, person_id: int, organisation: Organisation) -> int:
    """End today every confirmed current post of a person in one organisation (its admins:
    how a person leaves its automatic group); returns how many were ended."""
    posts = list(
        db.session.scalars(
            select(Position).where(
                Position.person_id == person_id,
                Position.organisation_id == organisation.id,
                Position.end_date.is_(None),
                Position.grants_access,
            )
        )
    )
    if not posts:
        raise NotFound(_("此人在该组织没有现任职务。"))
    today = clock.today()
    for position in posts:
        _require_position_manager(actor, position)
        position.end_date = max(today, position.start_date)
    _positions_changed(person_id)
    return len(posts)


def pick_people(text: str, *, org_ids: Any = None, limit: int = 10) -> list[Person]:
    """Active people for a picker: every word of `text` matches the name, its pinyin (a
    prefix) or the organisation; `org_ids` (ids or a sub-select) limits their membership."""
    words = text.lower().split()[:4]
    if not words:
        return []
    query = (
        select(Person)
        .outerjoin(Organisation, Organisation.id == Person.membership_org_id)
        .options(joinedload(Person.membership_org))
        .where(Person.is_active_account)
    )
    for word in words:
        query = query.where(
            or_(
                contains(Person.name, word),
                startswith(Person.name_pinyin, word),  # pinyin from the start of the name
                contains(Organisation.name, word),
            )
        )
    if org_ids is not None:
        query = query.where(Person.membership_org_id.in_(org_ids))
    query = query.order_by(func.length(Person.name), Person.name_pinyin, Person.id).limit(limit)
    return list(db.session.scalars(query).unique())
