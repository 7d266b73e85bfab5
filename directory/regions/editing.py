"""System-admin edits of regions: add a village/community, rename, merge (one transaction each)."""

from __future__ import annotations

import functools
import logging
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from directory.core.enums import RegionLevel
from directory.core.errors import Conflict, PermissionDenied, ValidationError
from directory.core.signals import region_merging
from directory.core.uow import unit_of_work
from directory.extensions import db
from directory.regions.models import Region
from directory.regions.services import (
    MAX_NAME,
    NEXT_LENGTH,
    is_valid_code,
    region_by_code,
    subtree_filter,
)

if TYPE_CHECKING:  # the actor is a person (people is above regions)
    from directory.people.models import Person

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")


def _require_admin(actor: Person | None) -> None:
    if actor is None or not getattr(actor, "is_admin", False):
        raise PermissionDenied(_("只有系统管理员可以修改行政区划。"))


def clean_name(name: str | None) -> str:
    """A trimmed, NFC-normalised region name, or ValidationError on the "name" field."""
    name = unicodedata.normalize("NFC", (name or "").strip())
    if not name:
        raise ValidationError(_("请填写名称。"), field="name")
    if len(name) > MAX_NAME:
        raise ValidationError(_("名称不能超过 %(n)d 个字。", n=MAX_NAME), field="name")
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in name):
        raise ValidationError(_("名称包含无效字符。"), field="name")
    return name


def _check_sibling_name(parent_id: int | None, name: str, exclude_id: int | None = None) -> None:
    query = select(Region.id).where(Region.parent_id == parent_id, Region.name == name)
    if exclude_id is not None:
        query = query.where(Region.id != exclude_id)
    if db.session.scalar(query.limit(1)) is not None:
        raise ValidationError(_("同一上级下已有名为“%(name)s”的地区。", name=name), field="name")


def next_free_code(parent_code: str, taken: set[str]) -> str:
    """The next unused child code under `parent_code` (max + 1, else the first gap)."""
    width = NEXT_LENGTH[len(parent_code)] - len(parent_code)
    used = {int(c[len(parent_code) :]) for c in taken if c.startswith(parent_code)}
    candidate = max(used, default=0) + 1
    if candidate >= 10**width:
        candidate = next((n for n in range(1, 10**width) if n not in used), 0)
        if not candidate:
            raise ValidationError(_("%(code)s 下已没有可用的代码。", code=parent_code))
    return parent_code + str(candidate).zfill(width)


def _region_change(action: str) -> Callable[[Callable[P, T]], Callable[P, T]]:
    """Run the decorated edit in one unit of work; a constraint clash becomes a Conflict."""

    def decorate(fn: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            try:
                with unit_of_work():
                    return fn(*args, **kwargs)
            except IntegrityError:
                log.warning("region %s failed on a constraint (concurrent edit?)", action)
                raise Conflict(_("地区数据刚被其他人修改，请刷新后重试。")) from None

        return wrapper

    return decorate


@_region_change("add")
def add_village(
    actor: Person | None, parent_code: str, name: str, code: str | None = None
) -> Region:
    """Add a village or community (村/社区) under a township; the code is allocated if not given."""
    _require_admin(actor)
    parent = region_by_code(parent_code)
    if parent.level != RegionLevel.TOWNSHIP:
        raise ValidationError(_("村/社区只能添加在乡级区划（乡镇、街道）下。"))
    name = clean_name(name)
    _check_sibling_name(parent.id, name)
    taken = set(db.session.scalars(select(Region.code).where(Region.parent_id == parent.id)))
    code = (code or "").strip()
    if not code:
        code = next_free_code(parent.code, taken)
    elif len(code) != 12 or not code.isascii() or not code.isdigit():
        raise ValidationError(_("村级代码应为 12 位数字。"), field="code")
    elif not code.startswith(parent.code) or code.endswith("000"):
        raise ValidationError(
            _("代码必须以上级代码 %(p)s 开头，且末三位不能为 000。", p=parent.code), field="code"
        )
    elif code in taken:
        raise ValidationError(_("代码 %(code)s 已被使用。", code=code), field="code")
    region = Region(code=code, name=name, level=RegionLevel.VILLAGE, parent_id=parent.id)
    db.session.add(region)
    log.info("admin %s added region %s %s under %s", actor.id, code, name, parent.code)  # type: ignore[union-attr]  # _require_admin: not None
    return region


@_region_change("rename")
def rename_region(actor: Person | None, code: str, name: str) -> Region:
    """Rename a region (any level)."""
    _require_admin(actor)
    region = region_by_code(code)
    name = clean_name(name)
    _check_sibling_name(region.parent_id, name, exclude_id=region.id)
    old = region.name
    region.name = name
    log.info("admin %s renamed region %s from %s to %s", actor.id, code, old, name)  # type: ignore[union-attr]  # _require_admin: not None
    return region


@_region_change("merge")
def merge_regions(actor: Person | None, source_code: str, target_code: str) -> Region:
    """Merge region A into B (same level): move its organisations and recoded subtree, delete A."""
    _require_admin(actor)
    source = region_by_code(source_code)
    target_code = (target_code or "").strip()
    if not target_code:
        raise ValidationError(_("请选择要并入的地区。"), field="target")
    target = (
        db.session.scalar(select(Region).where(Region.code == target_code))
        if is_valid_code(target_code)
        else None
    )
    if target is None:
        raise ValidationError(_("地区代码不存在：%(code)s", code=target_code[:20]), field="target")
    if target.id == source.id:
        raise ValidationError(_("不能把地区合并到它自己。"), field="target")
    if target.code.startswith(source.code):
        raise ValidationError(_("不能把地区合并到它的下级地区。"), field="target")
    if target.level != source.level:
        raise ValidationError(
            _(
                "只能合并同一级别的地区：%(a)s 是%(la)s，%(b)s 是%(lb)s。",
                a=source.name,
                la=source.level.label,
                b=target.name,
                lb=target.level.label,
            ),
            field="target",
        )
    what = f"{source.code} {source.name} into {target.code} {target.name}"
    # A failure here (e.g. no free code left under B) rolls the whole merge back.
    _recode_subtree(source, target)
    # What lies in A itself moves to B: organisations (orgs), groups (groups).
    moved = [
        str(n)
        for _receiver, n in region_merging.send(None, source_id=source.id, target_id=target.id)
    ]
    db.session.flush()  # everything points at B before A goes, so A has nothing to orphan
    db.session.delete(source)
    log.info("admin %s merged region %s (moved: %s)", actor.id, what, ", ".join(moved))  # type: ignore[union-attr]  # _require_admin: not None
    return target


def _recode_subtree(source: Region, target: Region) -> None:
    """Recode A's descendants under B.

    Done through the ORM, not bulk UPDATEs, so change listeners (the search outbox) see
    every recoded region.
    """
    subtree = db.session.scalars(
        select(Region)
        .where(subtree_filter(Region.code, source.code), Region.id != source.id)
        .order_by(Region.code)
    ).all()
    if not subtree:
        return
    child_len = NEXT_LENGTH[len(source.code)]
    children = [r for r in subtree if r.parent_id == source.id]
    taken = set(db.session.scalars(select(Region.code).where(Region.parent_id == target.id)))
    new_code: dict[str, str] = {}
    colliding = []
    for r in children:  # keep the suffix where it is free, then allocate the rest
        wanted = target.code + r.code[len(source.code) :]
        if wanted in taken:
            colliding.append(r)
        else:
            new_code[r.code] = wanted
            taken.add(wanted)
    for r in colliding:
        new_code[r.code] = next_free_code(target.code, taken)
        taken.add(new_code[r.code])
    # Work out every new code from the old ones first, then change the rows.
    changes = [(r, new_code[r.code[:child_len]] + r.code[child_len:]) for r in subtree]
    for r, code in changes:
        if r.parent_id == source.id:
            r.parent_id = target.id
        r.code = code
