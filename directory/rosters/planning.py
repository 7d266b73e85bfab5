"""The import preview: every row of the file checked and classified, nothing written.

`plan(actor, sheets)` reads the tables (rosters/reading.py), finds what exists already
with a handful of bulk queries, and returns a `Plan`: per row, create / update /
unchanged, or its problems in words. The same plan, made again from the stored file, is
what the import job applies (rosters/applying.py), so the preview and the import agree.
Stable keys: a person is their e-mail; a position is (person, organisation, title,
start); an organisation is (parent, name).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import or_, select

from directory.core import time as clock
from directory.core.enums import CadreKind, LabelledEnum
from directory.core.memory import gc_paused
from directory.core.numbers import parse_id, parse_int
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.people.models import Person, Position
from directory.people.permissions import can_administer_person
from directory.regions.models import Region
from directory.rosters import columns as C
from directory.rosters.reading import Sheet, text
from directory.web.forms import normalise_phone

# The person fields a roster row sets (compared on preview, written on import).
PROFILE_FIELDS = (
    "name",
    "phone",
    "wechat",
    "gender",
    "political_status",
    "cadre_kind",
    "establishment",
    "birth_year",
)

MAX_AGE = {CadreKind.FULL_TIME: 35, CadreKind.SECONDED: 35, CadreKind.PART_TIME: 40}
CHUNK = 500


@dataclass
class NewOrg:
    """An organisation the file creates (resolved parent: an id or another NewOrg)."""

    name: str
    parent: Organisation | NewOrg
    level: Any
    region: Region
    sector: Any


@dataclass
class RowPlan:
    """One row of the file: what importing it does, or why it cannot."""

    sheet: str
    line: int
    kind: str  # "person" or "org"
    label: str
    action: str = "create"  # create, update, unchanged, error
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def problem(self, message: str) -> None:
        self.problems.append(message)
        self.action = "error"


@dataclass
class Plan:
    rows: list[RowPlan]
    file_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.file_problems and all(r.action != "error" for r in self.rows)

    @property
    def counts(self) -> dict[str, int]:
        counts = {"create": 0, "update": 0, "unchanged": 0, "error": 0}
        for row in self.rows:
            counts[row.action] += 1
        return counts

    @property
    def writes(self) -> int:
        return sum(1 for r in self.rows if r.action in ("create", "update"))


@dataclass
class _Table:
    sheet: str
    kind: str
    header_line: int
    keys: list[str | None]
    rows: list[tuple[int, dict[str, str]]]


def _tables(sheets: list[Sheet], plan: Plan) -> list[_Table]:
    tables = []
    for sheet in sheets:
        if sheet.name in C.SKIPPED_SHEETS:
            continue
        rows = [(i, [text(c) for c in cells]) for i, cells in enumerate(sheet.rows, start=1)]
        rows = [(i, cells) for i, cells in rows if any(cells) and not cells[0].startswith("#")]
        if not rows:
            continue
        header_line, header = rows[0]
        kind, columns = "person", C.PEOPLE
        required: tuple[str, ...] = C.PEOPLE_REQUIRED
        if any(C.header_key(h, C.ORGS) for h in header) and not any(
            C.header_key(h, C.PEOPLE) for h in header
        ):
            kind, columns, required = "org", C.ORGS, C.ORGS_REQUIRED
        keys = [C.header_key(h, columns) if h else None for h in header]
        where = _("工作表“%(sheet)s”", sheet=sheet.name) if sheet.name != "csv" else _("文件")
        unknown = [h for h, k in zip(header, keys, strict=True) if h and k is None]
        if unknown:
            plan.file_problems.append(
                _(
                    "%(where)s有无法识别的列：%(cols)s。请使用模板中的列名。",
                    where=where,
                    cols="、".join(unknown[:10]),
                )
            )
        seen = [k for k in keys if k]
        twice = sorted({k for k in seen if seen.count(k) > 1})
        if twice:
            names = {v: k for k, v in columns.items()}
            plan.file_problems.append(
                _(
                    "%(where)s的列重复：%(cols)s。",
                    where=where,
                    cols="、".join(names[k] for k in twice),
                )
            )
        missing = [h for h, k in columns.items() if k in required and k not in keys]
        if missing:
            plan.file_problems.append(
                _("%(where)s缺少必填的列：%(cols)s。", where=where, cols="、".join(missing))
            )
        body = []
        for line, cells in rows[1:]:
            extra = [c for i, c in enumerate(cells) if c and (i >= len(keys) or keys[i] is None)]
            values = {k: v for k, v in zip(keys, cells, strict=False) if k}
            values["_extra"] = "1" if extra else ""
            body.append((line, values))
        if body:
            tables.append(_Table(sheet.name, kind, header_line, keys, body))
    if not tables and not plan.file_problems:
        plan.file_problems.append(_("文件中没有数据行。"))
    return tables


class _Orgs:
    """Organisations a row may name: the actor's subtrees, plus those the file creates."""

    def __init__(self, actor: Person) -> None:
        query = select(Organisation).where(Organisation.dissolved_at.is_(None))
        if not actor.is_admin:
            paths = [a.organisation.path for a in actor.admin_of]
            query = query.where(or_(*(Organisation.path.startswith(p) for p in paths)))
        self.by_id: dict[int, Organisation] = {}
        self.by_name: dict[str, list[Organisation | NewOrg]] = defaultdict(list)
        for org in db.session.scalars(query):
            self.by_id[org.id] = org
            self.by_name[org.name].append(org)

    def add(self, new: NewOrg) -> None:
        self.by_name[new.name].append(new)

    def find(self, ref: str) -> tuple[Organisation | NewOrg | None, str]:
        """The organisation a cell names ("name" or "name #id"), or None and why not."""
        name, _sep, tail = ref.rpartition("#")
        org_id = parse_id(tail.strip()) if name else None
        if org_id is not None:
            org = self.by_id.get(org_id)
            if org is None:
                return None, _("团组织“%(ref)s”不存在，或不在你管理的范围内。", ref=ref)
            return org, ""
        found = self.by_name.get(ref, [])
        if len(found) == 1:
            return found[0], ""
        if not found:
            return None, _("团组织“%(ref)s”不存在，或不在你管理的范围内。", ref=ref)
        return None, _("有多个团组织名为“%(ref)s”，请写成“名称 #编号”。", ref=ref)


@gc_paused()
def plan_import(actor: Person, sheets: list[Sheet]) -> Plan:
    """Check every row; nothing is written."""
    plan = Plan([])
    tables = _tables(sheets, plan)
    if plan.file_problems:
        return plan
    orgs = _Orgs(actor)
    vocab = C.vocabulary()
    for table in tables:
        if table.kind == "org":
            _plan_orgs(table, orgs, vocab, plan)
    people = [t for t in tables if t.kind == "person"]
    emails = {_email_key(v.get("email", "")) for t in people for _line, v in t.rows}
    existing = _existing_people(emails - {""})
    positions = _existing_positions([p.id for p in existing.values()])
    first_line: dict[str, int] = {}
    for table in people:
        for line, values in table.rows:
            row = RowPlan(
                table.sheet, line, "person", values.get("name", "") or values.get("email", "")
            )
            _plan_person(actor, row, values, orgs, vocab, existing, positions, first_line)
            plan.rows.append(row)
    return plan


def _email_key(raw: str) -> str:
    return raw.strip().lower()


def _existing_people(emails: set[str]) -> dict[str, Person]:
    found: dict[str, Person] = {}
    ordered = sorted(emails)
    for i in range(0, len(ordered), CHUNK):
        for person in db.session.scalars(
            select(Person).where(Person.email.in_(ordered[i : i + CHUNK]))
        ):
            found[person.email] = person
    return found


def _existing_positions(ids: list[int]) -> dict[int, list[Position]]:
    found: dict[int, list[Position]] = defaultdict(list)
    for i in range(0, len(ids), CHUNK):
        for pos in db.session.scalars(
            select(Position).where(Position.person_id.in_(ids[i : i + CHUNK]))
        ):
            found[pos.person_id].append(pos)
    return found


def _enum(row: RowPlan, key: str, raw: str, vocab: dict[str, dict[str, LabelledEnum]]) -> Any:
    if not raw:
        return None
    value = vocab[key].get(raw)
    if value is None:
        row.problem(
            _(
                "%(field)s“%(value)s”无法识别，可填：%(choices)s。",
                field=str(C.FIELD_NAMES[key]),
                value=raw[:20],
                choices=C.choices(key),
            )
        )
    return value


def _plan_orgs(
    table: _Table, orgs: _Orgs, vocab: dict[str, dict[str, LabelledEnum]], plan: Plan
) -> None:
    codes = {v.get("region", "") for _line, v in table.rows}
    regions = {
        r.code: r for r in db.session.scalars(select(Region).where(Region.code.in_(codes - {""})))
    }
    seen: dict[tuple[str, str], int] = {}
    for line, values in table.rows:
        name = values.get("name", "")
        row = RowPlan(table.sheet, line, "org", name)
        plan.rows.append(row)
        if values.get("_extra"):
            row.problem(_("这一行在表头以外的列里还有内容。"))
        if not 2 <= len(name) <= 100:
            row.problem(_("团组织名称需要 2 到 100 个字符。"))
        parent, why = (
            orgs.find(values.get("parent", ""))
            if values.get("parent")
            else (None, _("请填写上级团组织。"))
        )
        if parent is None:
            row.problem(why)
        level = _enum(row, "level", values.get("level", ""), vocab)
        if level is None and not values.get("level"):
            row.problem(_("请填写组织层级。"))
        sector = _enum(row, "sector", values.get("sector", ""), vocab)
        region = regions.get(values.get("region", ""))
        if region is None:
            row.problem(_("行政区划代码“%(code)s”不存在。", code=values.get("region", "")[:20]))
        if parent is not None and level is not None and level.rank <= parent.level.rank:
            row.problem(_("组织层级必须低于上级（%(level)s）。", level=parent.level.label))
        key = (str(id(parent)), name)
        if key in seen:
            row.problem(_("与第 %(n)d 行重复。", n=seen[key]))
        seen[key] = line
        if row.action == "error":
            continue
        assert parent is not None and region is not None
        same = [
            o
            for o in orgs.by_name.get(name, [])
            if isinstance(o, Organisation)
            and isinstance(parent, Organisation)
            and o.parent_id == parent.id
        ]
        if same:
            existing = same[0]
            row.action = "unchanged"
            if existing.region_id != region.id:
                row.changes.append(
                    _("行政区划：%(a)s → %(b)s", a=existing.region.name, b=region.name)
                )
            if sector is not None and existing.sector != sector:
                row.changes.append(_("领域：%(b)s", b=sector.label))
            if row.changes:
                row.action = "update"
            row.data = {"org": existing, "region": region, "sector": sector}
            continue
        new = NewOrg(name, parent, level, region, sector)
        orgs.add(new)
        row.data = {"new": new}


def _plan_person(
    actor: Person,
    row: RowPlan,
    values: dict[str, str],
    orgs: _Orgs,
    vocab: dict[str, dict[str, LabelledEnum]],
    existing: dict[str, Person],
    positions: dict[int, list[Position]],
    first_line: dict[str, int],
) -> None:
    if values.get("_extra"):
        row.problem(_("这一行在表头以外的列里还有内容。"))
    name = values.get("name", "")
    if not name:
        row.problem(_("请填写姓名。"))
    elif len(name) > 40:
        row.problem(_("姓名太长（最多 40 个字）。"))
    email = _email_key(values.get("email", ""))
    if not email:
        row.problem(_("请填写电子邮箱（用来识别同一个人）。"))
    else:
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError:
            row.problem(_("电子邮箱“%(v)s”格式不正确。", v=email[:60]))
        if email in first_line:
            row.problem(
                _(
                    "此人在文件中出现了两次（第 %(n)d 行也有 %(email)s）。",
                    n=first_line[email],
                    email=email,
                )
            )
        else:
            first_line[email] = row.line
    phone = values.get("phone", "")
    if phone:
        try:
            phone = normalise_phone(phone)
        except ValueError:
            row.problem(_("手机号码“%(v)s”无效。", v=phone[:30]))
    wechat = values.get("wechat", "")
    if len(wechat) > 40:
        row.problem(_("微信号太长。"))
    fields: dict[str, Any] = {"name": name, "phone": phone or None, "wechat": wechat or None}
    for key in ("gender", "political_status", "cadre_kind", "establishment"):
        fields[key] = _enum(row, key, values.get(key, ""), vocab)
    birth = values.get("birth_year", "")
    fields["birth_year"] = None
    if birth:
        this_year = clock.today().year
        year = parse_int(birth, this_year, minimum=1900)
        if year is not None:
            fields["birth_year"] = year
        else:
            row.problem(_("出生年份“%(v)s”无效，请填四位年份，如 1995。", v=birth[:10]))
    membership, why = (
        orgs.find(values["membership_org"])
        if values.get("membership_org")
        else (None, _("请填写所属团组织。"))
    )
    if membership is None:
        row.problem(why)
    fields["membership_org"] = membership
    post = _plan_position(row, values, orgs, membership)
    person = existing.get(email)
    if person is not None:
        if not can_administer_person(actor, person):
            row.problem(_("%(email)s 的账号不在你管理的范围内，不能修改。", email=email))
        elif (
            isinstance(membership, Organisation)
            and person.membership_org_id != membership.id
            and not actor.is_admin
        ) or (isinstance(membership, NewOrg) and not actor.is_admin):
            row.problem(_("此人已在其他团组织，组织关系的变更请通过“组织关系转接”办理。"))
    _age_warning(row, fields, post)
    if row.action == "error":
        return
    row.data = {"email": email, "fields": fields, "post": post, "person": person}
    if person is None:
        row.action = "create"
        return
    row.action = "unchanged"
    for key in PROFILE_FIELDS:
        new = fields[key]
        if new is not None and new != "" and getattr(person, key) != new:
            old = getattr(person, key)
            row.changes.append(f"{_field_label(key)}：{_shown(old)} → {_shown(new)}")
    if isinstance(membership, Organisation) and person.membership_org_id != membership.id:
        row.changes.append(f"{_('所属团组织')}：→ {membership.name}")
    if post is not None:
        match = _matching_position(positions.get(person.id, []), post)
        if match is None:
            row.changes.append(_("新增职务：%(t)s", t=post["title"]))
        elif match.end_date != post["end"] and post["end"] is not None:
            row.changes.append(_("职务结束：%(d)s", d=post["end"].isoformat()))
            post["existing"] = match
        else:
            post["existing"] = match
            post["same"] = True
    if row.changes:
        row.action = "update"


def _plan_position(
    row: RowPlan, values: dict[str, str], orgs: _Orgs, membership: Organisation | NewOrg | None
) -> dict[str, Any] | None:
    title = values.get("title", "")
    others = [values.get(k, "") for k in ("position_org", "start", "end")]
    if not title:
        if any(others):
            row.problem(_("填写了任职信息但没有填写职务。"))
        return None
    if len(title) > 40:
        row.problem(_("职务名称太长（最多 40 个字）。"))
    org = membership
    if values.get("position_org"):
        org, why = orgs.find(values["position_org"])
        if org is None:
            row.problem(why)
    start = C.parse_date(values.get("start", "")) if values.get("start") else None
    if start is None:
        row.problem(_("请填写有效的任职开始日期，如 2021-03-01。"))
    end = None
    if values.get("end"):
        end = C.parse_date(values["end"])
        if end is None:
            row.problem(_("任职结束日期“%(v)s”无效。", v=values["end"][:20]))
    if start and end and end < start:
        row.problem(_("任职结束日期早于开始日期。"))
    if start and start > clock.today():
        row.problem(_("任职开始日期在将来。"))
    return {"title": title, "org": org, "start": start, "end": end}


def _matching_position(existing: list[Position], post: dict[str, Any]) -> Position | None:
    org = post["org"]
    if not isinstance(org, Organisation):
        return None
    for pos in existing:
        if (pos.organisation_id, pos.title, pos.start_date) == (
            org.id,
            post["title"],
            post["start"],
        ):
            return pos
    return None


def _age_warning(row: RowPlan, fields: dict[str, Any], post: dict[str, Any] | None) -> None:
    kind, born = fields.get("cadre_kind"), fields.get("birth_year")
    if kind is None or born is None or post is None or post.get("end") is not None:
        return
    limit = MAX_AGE.get(kind)
    age = clock.today().year - born
    if limit is not None and age > limit:
        row.warnings.append(
            _(
                "%(kind)s团干部一般不超过 %(limit)d 岁，此人约 %(age)d 岁。",
                kind=kind.label,
                limit=limit,
                age=age,
            )
        )


def _field_label(key: str) -> str:
    names = {
        "name": _("姓名"),
        "phone": _("手机"),
        "wechat": _("微信"),
        "birth_year": _("出生年份"),
    }
    return names.get(key) or str(C.FIELD_NAMES[key])


def _shown(value: object) -> str:
    if value is None:
        return "—"
    return str(getattr(value, "label", value))


def as_date(value: object) -> date | None:
    return value if isinstance(value, date) else None
