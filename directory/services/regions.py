"""Administrative regions: the division file loader, look-ups, and system-admin edits.

Codes are hierarchical (2, 4, 6, 9, 12 digits), so a region's ancestors are the
prefixes of its code and its subtree is a prefix match.
"""

from __future__ import annotations

import gzip
import logging
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flask import has_request_context
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from directory.extensions import db
from directory.models import Organisation, Person, Region, RegionLevel
from directory.services.errors import Conflict, NotFound, PermissionDenied, ValidationError

log = logging.getLogger(__name__)

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "data" / "regions.tsv.gz"
LENGTHS: tuple[int, ...] = (2, 4, 6, 9, 12)
LEVEL_BY_LENGTH = {m.code_length: m for m in RegionLevel}
NEXT_LENGTH: dict[int, int] = {0: 2, 2: 4, 4: 6, 6: 9, 9: 12}
MAX_NAME = 60
CHUNK = 2000


def is_valid_code(code: str) -> bool:
    """True for a string of 2, 4, 6, 9 or 12 ASCII digits."""
    return len(code) in LEVEL_BY_LENGTH and code.isascii() and code.isdigit()


def ancestor_codes(code: str) -> list[str]:
    """The codes of a region's ancestors, top first (prefixes of the code)."""
    return [code[:n] for n in LENGTHS if n < len(code)]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def subtree_filter(column: Any, code: str) -> ColumnElement[bool]:
    """SQL condition: `column` (a region code) lies in the subtree of `code`, itself included."""
    return column.like(f"{_escape_like(code)}%", escape="\\")


# -- loading -----------------------------------------------------------------------------


def _t(message: str, **params: Any) -> str:
    """gettext inside a request; the (Chinese) message id in the CLI, where no locale exists."""
    return _(message, **params) if has_request_context() else message % params


def read_region_file(path: Path) -> list[tuple[str, str, str]]:
    """Parse a regions TSV (gzip if it ends in .gz) into (code, name, parent_code) rows."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as fh:  # type: ignore[operator]
            lines = fh.read().splitlines()
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise ValidationError(_t("无法读取地区文件：%(err)s", err=str(exc))) from None
    rows: list[tuple[str, str, str]] = []
    for lineno, line in enumerate(lines, start=1):
        if not line or (lineno == 1 and line.startswith("code\t")):
            continue
        parts = line.split("\t")
        code, name, parent = [*parts, "", ""][:3] if len(parts) <= 3 else ("", "", "")
        if not is_valid_code(code) or not name or len(name) > MAX_NAME:
            raise ValidationError(_t("地区文件第 %(n)d 行格式有误。", n=lineno))
        if parent != (ancestor_codes(code)[-1] if len(code) > 2 else ""):
            raise ValidationError(_t("地区文件第 %(n)d 行的上级代码有误。", n=lineno))
        rows.append((code, name, parent))
    rows.sort(key=lambda r: (len(r[0]), r[0]))
    return rows


def load_regions(path: Path | str | None = None) -> dict[str, int]:
    """Load (or refresh) the region table from a TSV file; one transaction, idempotent.

    Returns the number of rows in the file per level ("province", ...) plus
    "added" and "updated" (rows whose name or parent changed).
    """
    rows = read_region_file(Path(path) if path else DEFAULT_FILE)
    existing = {
        r.code: r
        for r in db.session.execute(select(Region.code, Region.id, Region.name, Region.parent_id))
    }
    ids = {code: r.id for code, r in existing.items()}
    result: dict[str, int] = {}
    added = updated = 0
    try:
        for length in LENGTHS:
            level = LEVEL_BY_LENGTH[length]
            new: list[dict[str, Any]] = []
            changed: list[dict[str, Any]] = []
            count = 0
            for code, name, parent in (r for r in rows if len(r[0]) == length):
                count += 1
                parent_id = ids.get(parent) if parent else None
                if parent and parent_id is None:
                    raise ValidationError(
                        _t("地区 %(code)s 的上级 %(p)s 不存在。", code=code, p=parent)
                    )
                cur = existing.get(code)
                if cur is None:
                    new.append({"code": code, "name": name, "level": level, "parent_id": parent_id})
                elif cur.name != name or cur.parent_id != parent_id:
                    changed.append({"id": cur.id, "name": name, "parent_id": parent_id})
            for i in range(0, len(new), CHUNK):
                db.session.execute(insert(Region), new[i : i + CHUNK])
            for i in range(0, len(changed), CHUNK):
                db.session.execute(update(Region), changed[i : i + CHUNK])
            if new:
                level_ids = select(Region.code, Region.id).where(func.length(Region.code) == length)
                ids.update({c: i for c, i in db.session.execute(level_ids)})
            if count:
                result[level.value] = count
            added += len(new)
            updated += len(changed)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    result.update(added=added, updated=updated)
    log.info("regions loaded: %s", result)
    return result


# -- look-ups ----------------------------------------------------------------------------


def region_by_code(code: str) -> Region:
    """The region with this code, or NotFound."""
    code = (code or "").strip()
    region = (
        db.session.scalar(select(Region).where(Region.code == code))
        if is_valid_code(code)
        else None
    )
    if region is None:
        raise NotFound(_("地区代码不存在：%(code)s", code=code[:20]))
    return region


def region_chain(code: str) -> list[Region]:
    """The region and its ancestors, top first, in one query; NotFound if the region is unknown."""
    if not is_valid_code(code or ""):
        raise NotFound(_("地区代码不存在：%(code)s", code=(code or "")[:20]))
    codes = [*ancestor_codes(code), code]
    found = {r.code: r for r in db.session.scalars(select(Region).where(Region.code.in_(codes)))}
    if code not in found:
        raise NotFound(_("地区代码不存在：%(code)s", code=code))
    return [found[c] for c in codes if c in found]


def children_select(region: Region | None) -> Any:
    """A SELECT of a region's children (provinces for None), ordered by code, for paging."""
    parent = Region.parent_id.is_(None) if region is None else Region.parent_id == region.id
    return select(Region).where(parent).order_by(Region.code)


def org_counts(region: Region | None) -> dict[str, int]:
    """Live organisations per child subtree, keyed by child code, in one query.

    The region's own code, if present, counts the organisations located in it directly;
    the sum of all values is the count for its whole subtree.
    """
    length = NEXT_LENGTH.get(len(region.code) if region else 0, 12)
    key = func.substr(Region.code, 1, length)
    query = (
        select(key, func.count(Organisation.id))
        .join(Organisation, Organisation.region_id == Region.id)
        .where(Organisation.dissolved_at.is_(None))
        .group_by(key)
    )
    if region is not None:
        query = query.where(subtree_filter(Region.code, region.code))
    return {k: n for k, n in db.session.execute(query)}


def orgs_select(region: Region) -> Any:
    """A SELECT of the live organisations located directly in a region, by name."""
    return (
        select(Organisation)
        .where(Organisation.region_id == region.id, Organisation.dissolved_at.is_(None))
        .order_by(Organisation.name, Organisation.id)
    )


# -- admin edits -------------------------------------------------------------------------


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


def _commit(action: str) -> None:
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        log.warning("region %s failed on a constraint (concurrent edit?)", action)
        raise Conflict(_("地区数据刚被其他人修改，请刷新后重试。")) from None


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
    _commit("add")
    log.info("admin %s added region %s %s under %s", actor.id, code, name, parent.code)  # type: ignore[union-attr]
    return region


def rename_region(actor: Person | None, code: str, name: str) -> Region:
    """Rename a region (any level)."""
    _require_admin(actor)
    region = region_by_code(code)
    name = clean_name(name)
    _check_sibling_name(region.parent_id, name, exclude_id=region.id)
    old = region.name
    region.name = name
    _commit("rename")
    log.info("admin %s renamed region %s from %s to %s", actor.id, code, old, name)  # type: ignore[union-attr]
    return region


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
    moved_orgs = _move_subtree(source, target)
    db.session.execute(
        delete(Region).where(Region.id == source.id).execution_options(synchronize_session=False)
    )
    _commit("merge")
    db.session.expire_all()
    log.info("admin %s merged region %s (%d organisations moved)", actor.id, what, moved_orgs)  # type: ignore[union-attr]
    return target


def _move_subtree(source: Region, target: Region) -> int:
    """Move A's organisations to B and recode A's descendants under B; returns orgs moved."""
    moved: int = db.session.execute(  # type: ignore[attr-defined]
        update(Organisation)
        .where(Organisation.region_id == source.id)
        .values(region_id=target.id)
        .execution_options(synchronize_session=False)
    ).rowcount
    subtree: Sequence[Any] = db.session.execute(
        select(Region.id, Region.code, Region.parent_id)
        .where(subtree_filter(Region.code, source.code), Region.id != source.id)
        .order_by(Region.code)
    ).all()
    if not subtree:
        return moved
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
    params = [
        {
            "id": r.id,
            "code": new_code[r.code[:child_len]] + r.code[child_len:],
            "parent_id": target.id if r.parent_id == source.id else r.parent_id,
        }
        for r in subtree
    ]
    for i in range(0, len(params), CHUNK):
        db.session.execute(update(Region), params[i : i + CHUNK])
    return moved
