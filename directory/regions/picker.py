"""The cascading region picker: what its selects show, and what a submitted picker means.

A picker is one <select> per level, all named after the form field. Codes of
different levels differ in length, so the submitted values are read by length,
not by order, and the deepest chain of codes that are prefixes of each other wins.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import takewhile

from sqlalchemy import select

from directory.core.enums import RegionLevel
from directory.extensions import db
from directory.regions.models import Region
from directory.regions.services import LENGTHS, LEVEL_BY_LENGTH, ancestor_codes, is_valid_code

# The name of the no-JavaScript "show the next level" button (its value is the field name).
REFINE_BUTTON = "region_picker_refine"


def picked_code(values: Iterable[str | None]) -> str:
    """The deepest consistent code among a picker's per-level values ("" if none)."""
    by_length: dict[int, str] = {}
    for value in values:
        value = (value or "").strip()
        if is_valid_code(value):
            by_length.setdefault(len(value), value)
    chain = ""
    for length in LENGTHS:
        value = by_length.get(length)
        if value is None or not value.startswith(chain):
            break
        chain = value
    return chain


@dataclass
class PickerLevel:
    """One select of the cascading picker: its level, its options and the selected code."""

    level: RegionLevel
    options: list[Region]
    selected: str


def picker_levels(selected_code: str | None, depth: int = 4) -> list[PickerLevel]:
    """Options for each of `depth` levels, following the selected code (two queries)."""
    depth = max(1, min(depth, len(LENGTHS)))
    code = (selected_code or "").strip()
    wanted = [*ancestor_codes(code), code][:depth] if is_valid_code(code) else []
    known = {r.code: r for r in db.session.scalars(select(Region).where(Region.code.in_(wanted)))}
    chain = list(takewhile(lambda c: c in known, wanted))
    parent_ids = [known[c].id for c in chain[: depth - 1]]
    rows = db.session.scalars(
        select(Region)
        .where(Region.parent_id.is_(None) | Region.parent_id.in_(parent_ids))
        .order_by(Region.code)
    ).all()
    by_parent: dict[int | None, list[Region]] = {}
    for r in rows:
        by_parent.setdefault(r.parent_id, []).append(r)
    levels = []
    for i, length in enumerate(LENGTHS[:depth]):
        if i == 0:
            options = by_parent.get(None, [])
        else:
            options = by_parent.get(parent_ids[i - 1], []) if i - 1 < len(parent_ids) else []
        selected = chain[i] if i < len(chain) else ""
        levels.append(PickerLevel(LEVEL_BY_LENGTH[length], options, selected))
    return levels


def level_options(values: Iterable[str | None], level_index: int) -> tuple[list[Region], str]:
    """Options of picker level `level_index` given the picker's current values.

    Empty when the level above has no consistent selection (it just changed), which
    clears the deeper selects while the nearer ones load.
    """
    if not 0 <= level_index < len(LENGTHS):
        return [], ""
    chain = picked_code(values)
    if level_index == 0:
        parent_code = ""
    elif len(chain) >= LENGTHS[level_index - 1]:
        parent_code = chain[: LENGTHS[level_index - 1]]
    else:
        return [], ""
    selected = chain[: LENGTHS[level_index]] if len(chain) >= LENGTHS[level_index] else ""
    if parent_code:
        parent = db.session.scalar(select(Region.id).where(Region.code == parent_code))
        if parent is None:
            return [], ""
        where = Region.parent_id == parent
    else:
        where = Region.parent_id.is_(None)
    options = list(db.session.scalars(select(Region).where(where).order_by(Region.code)))
    return options, selected
