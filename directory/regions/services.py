"""Administrative regions: the division file loader, look-ups, and system-admin edits.

Codes are hierarchical (2, 4, 6, 9, 12 digits), so a region's ancestors are the
prefixes of its code and its subtree is a prefix match.
"""

from __future__ import annotations

import gzip
import logging
from pathlib import Path
from typing import Any

from flask import has_request_context
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, func, insert, select

from directory.core.enums import RegionLevel
from directory.core.errors import NotFound, ValidationError
from directory.core.numbers import is_region_code
from directory.core.sql import startswith
from directory.core.uow import unit_of_work
from directory.extensions import db
from directory.regions.models import Region

log = logging.getLogger(__name__)

DEFAULT_FILE = Path(__file__).resolve().parent / "data" / "regions.tsv.gz"
LENGTHS: tuple[int, ...] = (2, 4, 6, 9, 12)
LEVEL_BY_LENGTH = {m.code_length: m for m in RegionLevel}
NEXT_LENGTH: dict[int, int] = {0: 2, 2: 4, 4: 6, 6: 9, 9: 12}
MAX_NAME = 60
CHUNK = 2000


def is_valid_code(code: str) -> bool:
    """True for a division code (the one parser: core/numbers.is_region_code)."""
    return is_region_code(code)


def ancestor_codes(code: str) -> list[str]:
    """The codes of a region's ancestors, top first (prefixes of the code)."""
    return [code[:n] for n in LENGTHS if n < len(code)]


def subtree_filter(column: Any, code: str) -> ColumnElement[bool]:
    """SQL condition: `column` (a region code) lies in the subtree of `code`, itself included."""
    return startswith(column, code)


# -- loading -----------------------------------------------------------------------------


def _t(message: str, **params: Any) -> str:
    """gettext inside a request; the (Chinese) message id in the CLI, where no locale exists."""
    return _(message, **params) if has_request_context() else message % params


def read_region_file(path: Path) -> list[tuple[str, str, str]]:
    """Parse a regions TSV (gzip if it ends in .gz) into (code, name, parent_code) rows."""
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except (OSError, UnicodeDecodeError, EOFError) as exc:
        raise ValidationError(_t("无法读取地区文件：%(err)s", err=str(exc))) from None
    rows: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for lineno, line in enumerate(lines, start=1):
        if not line or (lineno == 1 and line.startswith("code\t")):
            continue
        parts = line.split("\t")
        code, name, parent = [*parts, "", ""][:3] if len(parts) <= 3 else ("", "", "")
        if not is_valid_code(code) or not name or len(name) > MAX_NAME or code in seen:
            raise ValidationError(_t("地区文件第 %(n)d 行格式有误。", n=lineno))
        if parent != (ancestor_codes(code)[-1] if len(code) > 2 else ""):
            raise ValidationError(_t("地区文件第 %(n)d 行的上级代码有误。", n=lineno))
        seen.add(code)
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
    with unit_of_work():
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
                # Through the ORM (few rows), so change listeners such as the search
                # outbox see renamed regions.
                chunk = {c["id"]: c for c in changed[i : i + CHUNK]}
                for obj in db.session.scalars(select(Region).where(Region.id.in_(chunk))):
                    obj.name = chunk[obj.id]["name"]
                    obj.parent_id = chunk[obj.id]["parent_id"]
            if new:
                level_ids = select(Region.code, Region.id).where(func.length(Region.code) == length)
                ids.update({c: i for c, i in db.session.execute(level_ids)})
            if count:
                result[level.value] = count
            added += len(new)
            updated += len(changed)
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
