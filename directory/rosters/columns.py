"""The columns of the import template (Chinese headers) and how cells become values."""

from __future__ import annotations

import re
from datetime import date

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from directory.core.enums import (
    CadreKind,
    Establishment,
    Gender,
    LabelledEnum,
    OrgLevel,
    PoliticalStatus,
    Sector,
)

# header -> key; the template writes the headers in this order.
PEOPLE = {
    "姓名": "name",
    "电子邮箱": "email",
    "手机": "phone",
    "微信": "wechat",
    "性别": "gender",
    "出生年份": "birth_year",
    "政治面貌": "political_status",
    "干部类型": "cadre_kind",
    "编制": "establishment",
    "所属团组织": "membership_org",
    "职务": "title",
    "任职组织": "position_org",
    "任职开始": "start",
    "任职结束": "end",
}
PEOPLE_REQUIRED = ("name", "email", "membership_org")
ORGS = {
    "团组织名称": "name",
    "上级团组织": "parent",
    "组织层级": "level",
    "行政区划代码": "region",
    "领域": "sector",
}
ORGS_REQUIRED = ("name", "parent", "level", "region")
PEOPLE_SHEET = "花名册"
ORGS_SHEET = "团组织"
HELP_SHEET = "填写说明"
SKIPPED_SHEETS = {HELP_SHEET, "导出信息"}

ENUMS: dict[str, type[LabelledEnum]] = {
    "gender": Gender,
    "political_status": PoliticalStatus,
    "cadre_kind": CadreKind,
    "establishment": Establishment,
    "level": OrgLevel,
    "sector": Sector,
}
# Spellings seen in real rosters, beside the labels themselves.
ALIASES = {
    "党员": "party",
    "团员": "league",
    "预备党员": "party",
    "专职副书记": "full_time",
    "兼职副书记": "part_time",
    "在编": "in",
    "编内": "in",
    "编外": "out",
    "非在编": "out",
}
FIELD_NAMES = {
    "gender": _l("性别"),
    "political_status": _l("政治面貌"),
    "cadre_kind": _l("干部类型"),
    "establishment": _l("编制"),
    "level": _l("组织层级"),
    "sector": _l("领域"),
}


def header_key(cell: str, columns: dict[str, str]) -> str | None:
    """The key of a header cell ("姓名*" and "姓名（必填）" are "name")."""
    text = re.sub(r"[\s*＊]|[（(]必填[)）]", "", cell)
    return columns.get(text)


def _words(key: str) -> dict[str, LabelledEnum]:
    """Every spelling of every member: the value, the label in the UI language and in
    Chinese (the template's language, whatever the importer's), each part of "a/b"."""
    words: dict[str, LabelledEnum] = {}
    for member in ENUMS[key]:
        words[member.value] = member
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            chinese = str(member.label)
        for label in (chinese, str(member.label)):
            words[label] = member
            for part in label.split("/"):
                words[part] = member
    return words


def vocabulary() -> dict[str, dict[str, LabelledEnum]]:
    """For each enum column, every word a cell may use (built once per import)."""
    vocab = {key: _words(key) for key in ENUMS}
    for key, words in vocab.items():
        for alias, value in ALIASES.items():
            try:
                words.setdefault(alias, ENUMS[key](value))
            except ValueError:
                continue
    return vocab


def choices(key: str) -> str:
    """The allowed words for an enum column, for messages and the template's help."""
    return "、".join(str(m.label) for m in ENUMS[key])


_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2})\s*日?)?\s*月?$")


def parse_date(text: str) -> date | None:
    """2021-03-01, 2021/3/1, 2021.03, 2021年3月1日, 2021年3月 (the 1st); None if not a date."""
    found = _DATE.match(text)
    if not found:
        return None
    year, month, day = int(found.group(1)), int(found.group(2)), int(found.group(3) or 1)
    try:
        return date(year, month, day)
    except ValueError:
        return None
