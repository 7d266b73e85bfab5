"""Organisations: look-up of what a user typed into an organisation field, and management."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING, cast

from flask import has_request_context, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.engine import CursorResult

from directory.core import time as clock
from directory.core.enums import OrgLevel, Sector
from directory.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from directory.core.numbers import is_region_code, reference_id
from directory.core.signals import org_dissolving
from directory.core.uow import unit_of_work
from directory.extensions import db
from directory.orgs.matching import find_orgs
from directory.orgs.models import Organisation
from directory.orgs.permissions import can_create_top_level, can_manage_org
from directory.regions.models import Region

if TYPE_CHECKING:
    from directory.people.models import Person

_REF = re.compile(r"#(\d{1,12})\s*$")


def lookup(text: str, limit: int = 15) -> list[Organisation]:
    """Live (not dissolved) organisations matching `text` by name, pinyin, initials or
    the names above them, best first (see orgs/matching.py)."""
    return find_orgs(text, limit=limit)


def resolve_org_reference(text: str, *, allow_dissolved: bool = False) -> Organisation:
    """Turn "name #id", a bare id or an exact unique name into an Organisation."""
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("请选择团组织。"))
    m = _REF.search(text)
    org: Organisation | None
    org_id = reference_id(text)
    if m or org_id is not None:
        org = db.session.get(Organisation, org_id) if org_id is not None else None
    else:
        matches = list(
            db.session.scalars(select(Organisation).where(Organisation.name == text).limit(2))
        )
        if len(matches) > 1:
            raise ValidationError(_("有多个同名团组织，请从列表中选择。"))
        org = matches[0] if matches else None
    if org is None:
        raise NotFound(_("团组织不存在：%(text)s", text=text[:100]))
    if org.is_dissolved and not allow_dissolved:
        raise ValidationError(_("团组织“%(name)s”已撤销。", name=org.name))
    return org


# --- Management: create, edit, dissolve, admins. One transaction per call. ---------------

NAME_MIN, NAME_MAX = 2, 100


def managed_org(
    actor: Person, org_id: int, *, live: bool = False, lock: bool = False
) -> Organisation:
    """The organisation `org_id` if `actor` may manage it (NotFound, PermissionDenied); with
    `live`, Conflict when it is dissolved. `lock` serialises concurrent changes below one
    organisation on PostgreSQL (services; views read without it)."""
    query = select(Organisation).where(Organisation.id == org_id)
    if lock:
        query = query.with_for_update()
    org = db.session.scalar(query)
    if org is None:
        raise NotFound(_("团组织不存在。"))
    if not can_manage_org(actor, org):
        raise PermissionDenied(_("你没有管理该团组织的权限。"))
    if live and org.is_dissolved:
        raise Conflict(_("团组织“%(name)s”已撤销，不能再修改。", name=org.name))
    return org


def _clean_name(name: str, parent_id: int | None, exclude_id: int | None = None) -> str:
    name = unicodedata.normalize("NFC", (name or "").strip())
    if not NAME_MIN <= len(name) <= NAME_MAX:
        raise ValidationError(
            _("名称需要 %(min)d 到 %(max)d 个字符。", min=NAME_MIN, max=NAME_MAX), field="name"
        )
    parent_clause = (
        Organisation.parent_id.is_(None)
        if parent_id is None
        else Organisation.parent_id == parent_id
    )
    query = select(Organisation.id).where(
        parent_clause, Organisation.name == name, Organisation.dissolved_at.is_(None)
    )
    if exclude_id is not None:
        query = query.where(Organisation.id != exclude_id)
    if db.session.scalar(query.limit(1)) is not None:
        raise ValidationError(_("同一上级下已有名为“%(name)s”的团组织。", name=name), field="name")
    return name


def _clean_sector(sector: str | Sector | None) -> Sector | None:
    if not sector:
        return None
    try:
        return Sector(sector)
    except ValueError:
        raise ValidationError(_("请选择有效的领域。"), field="sector") from None


def _clean_region(code: str) -> Region:
    code = (code or "").strip()
    if not code:
        raise ValidationError(_("请选择所在地区。"), field="region_code")
    region = None
    if is_region_code(code):
        region = db.session.scalar(select(Region).where(Region.code == code))
    if region is None:
        raise ValidationError(
            _("行政区划代码“%(code)s”不存在。", code=code[:20]), field="region_code"
        )
    return region


def _clean_level(level: str | OrgLevel, parent: Organisation | None) -> OrgLevel:
    try:
        value = OrgLevel(level)
    except ValueError:
        raise ValidationError(_("请选择有效的组织层级。"), field="level") from None
    if parent is not None and value.rank <= parent.level.rank:
        raise ValidationError(
            _("下级组织的层级必须低于上级（%(level)s）。", level=parent.level.label),
            field="level",
        )
    return value


def org_link(org: Organisation) -> str:
    """The organisation page's URL, for notifications."""
    # Services also run from the CLI, where there is no request to build a URL from.
    return url_for("orgs.show", org_id=org.id) if has_request_context() else f"/orgs/{org.id}"


def create_organisation(
    actor: Person,
    *,
    parent_id: int | None,
    name: str,
    level: str | OrgLevel,
    region_code: str,
    sector: str | Sector | None = None,
) -> Organisation:
    """Create a child organisation (or a top-level one, system admins only); keeps `path`."""

    def work() -> Organisation:
        parent = None
        if parent_id is None:
            if not can_create_top_level(actor):
                raise PermissionDenied(_("只有系统管理员可以创建顶级团组织。"))
        else:
            parent = managed_org(actor, parent_id, live=True, lock=True)
        org = Organisation(
            name=_clean_name(name, parent_id),
            level=_clean_level(level, parent),
            sector=_clean_sector(sector),
            region=_clean_region(region_code),
            parent=parent,
            path="",
        )
        db.session.add(org)
        db.session.flush()
        org.path = f"{parent.path if parent else '/'}{org.id}/"
        return org

    with unit_of_work():
        return work()


def update_organisation(
    actor: Person, org_id: int, *, name: str, region_code: str, sector: str | Sector | None
) -> Organisation:
    """Change the name, sector and region of a live organisation."""

    def work() -> Organisation:
        org = managed_org(actor, org_id, live=True, lock=True)
        org.name = _clean_name(name, org.parent_id, exclude_id=org.id)
        org.sector = _clean_sector(sector)
        org.region = _clean_region(region_code)
        return org

    with unit_of_work():
        return work()


def dissolve_organisation(actor: Person, org_id: int) -> Organisation:
    """Mark an organisation dissolved; refused while it has live children or current cadres."""

    def work() -> Organisation:
        org = managed_org(actor, org_id, lock=True)
        if org.is_dissolved:
            raise Conflict(_("团组织“%(name)s”已经撤销。", name=org.name))
        live_children = db.session.scalar(
            select(func.count())
            .select_from(Organisation)
            .where(Organisation.parent_id == org.id, Organisation.dissolved_at.is_(None))
        )
        if live_children:
            raise ValidationError(
                _("还有 %(n)d 个未撤销的下级组织，请先撤销它们。", n=live_children)
            )
        # What other features keep alive in it (people: current cadres).
        keepers = [kept for _receiver, kept in org_dissolving.send(None, org_id=org.id)]
        for rows, message in keepers:
            n = db.session.scalar(select(func.count()).select_from(rows.subquery()))
            if n:
                raise ValidationError(message(n))
        # The same conditions again in the UPDATE: a child or a post added meanwhile wins.
        live_child = select(Organisation.id).where(
            Organisation.parent_id == org_id, Organisation.dissolved_at.is_(None)
        )
        done = db.session.execute(  # an UPDATE: a CursorResult with a rowcount
            update(Organisation)
            .where(
                Organisation.id == org_id,
                Organisation.dissolved_at.is_(None),
                ~live_child.exists(),
                *(~rows.exists() for rows, _message in keepers),
            )
            .values(dissolved_at=clock.now())
            .execution_options(synchronize_session=False)
        )
        if cast(CursorResult, done).rowcount != 1:
            raise Conflict(_("团组织刚刚被修改，请刷新后重试。"))
        db.session.refresh(org)
        return org

    with unit_of_work():
        return work()


def move_region(_sender: object, *, source_id: int, target_id: int) -> str:
    """Receiver of `core.signals.region_merging`: organisations in region A move to B."""
    orgs = db.session.scalars(select(Organisation).where(Organisation.region_id == source_id)).all()
    for org in orgs:
        org.region_id = target_id
    return f"{len(orgs)} organisations"
