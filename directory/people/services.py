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
from directory.core.enums import CadreKind, Establishment, Gender, PoliticalStatus, Visibility
from directory.core.errors import NotFound, PermissionDenied, ValidationError
from directory.core.pagination import ListPage
from directory.core.sql import contains
from directory.core.uow import transactional, unit_of_work
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.people.models import Person, Position
from directory.people.permissions import can_edit_profile
from directory.search.text import name_pinyin

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
    return (today or date.today()).year - MIN_AGE


def get_profile(person_id: int) -> Person:
    """A person with membership organisation and every position (organisation, region) loaded."""
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
    if person is None:
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
    today = date.today()
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
    position = db.session.get(Position, position_id)
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
    """Record a position (current when it has no end date) in a live organisation."""
    _require_editor(actor, person)
    if organisation.is_dissolved:
        raise ValidationError(
            _("团组织“%(name)s”已撤销。", name=organisation.name), field="organisation"
        )
    title = _check_position(organisation, title, start_date, end_date)
    position = Position(
        person_id=person.id,
        organisation=organisation,
        title=title,
        start_date=start_date,
        end_date=end_date,
    )
    db.session.add(position)
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
    """Change a position; moving it to a dissolved organisation is refused."""
    _require_editor(actor, position.person)
    if organisation.id != position.organisation_id and organisation.is_dissolved:
        raise ValidationError(
            _("团组织“%(name)s”已撤销。", name=organisation.name), field="organisation"
        )
    title = _check_position(organisation, title, start_date, end_date)
    position.organisation = organisation
    position.title = title
    position.start_date = start_date
    position.end_date = end_date
    _positions_changed(position.person_id)
    return position


@transactional
def end_position(actor: Person, position: Position, end_date: date) -> Position:
    """Set the end date of a position (it becomes 曾任)."""
    _require_editor(actor, position.person)
    _check_position(position.organisation, position.title, position.start_date, end_date)
    position.end_date = end_date
    _positions_changed(position.person_id)
    return position


@transactional
def delete_position(actor: Person, position: Position) -> None:
    """Remove a position recorded by mistake."""
    _require_editor(actor, position.person)
    person_id = position.person_id
    db.session.delete(position)
    _positions_changed(person_id)
