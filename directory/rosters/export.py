"""Writing a roster: XLSX (XlsxWriter, no formulas), CSV (UTF-8 with BOM) and
vCard 3.0. Only the fields the exporter may see; who exported it and when, inside the file."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _

from directory.core.cells import neutralise
from directory.core.time import display_zone_name, to_local
from directory.people.models import Person
from directory.people.permissions import ContactPolicy
from directory.rosters.scopes import Roster

FORMATS = {
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "vcf": ("text/vcard; charset=utf-8", "vcf"),
}


@dataclass(frozen=True)
class Stamp:
    """Who exported what, when: written into every file."""

    who: str
    at: datetime
    title: str

    def lines(self) -> list[str]:
        when = to_local(self.at).strftime("%Y-%m-%d %H:%M")
        return [
            _("导出人：%(name)s", name=self.who),
            _("导出时间：%(at)s（%(zone)s）", at=when, zone=display_zone_name()),
            _("范围：%(title)s", title=self.title),
        ]


def headers() -> list[str]:
    return [
        _("姓名"),
        _("性别"),
        _("出生年份"),
        _("政治面貌"),
        _("干部类型"),
        _("编制"),
        _("所属团组织"),
        _("现任职务"),
        _("手机"),
        _("电子邮箱"),
        _("微信"),
    ]


def _label(value: object, memo: dict[object, str] | None = None) -> str:
    """An enum member's label in the current language ("" for None); `memo` keeps the
    translated labels of one export (a lookup per cell costs more than writing it)."""
    if value is None:
        return ""
    if memo is None:
        return str(getattr(value, "label", ""))
    label = memo.get(value)
    if label is None:
        label = memo[value] = str(getattr(value, "label", ""))
    return label


def shown_phone(phone: str) -> str:
    """Mainland numbers as dialled at home (no +86), others in E.164."""
    return phone[3:] if phone.startswith("+86") else phone


def person_row(
    person: Person, contacts: dict[str, str], labels: dict[object, str] | None = None
) -> list[str]:
    """One person's cells, contact fields only when visible (`contacts` from ContactPolicy)."""
    posts = "；".join(f"{p.organisation.name} {p.title}" for p in person.current_positions)
    return [
        person.name,
        _label(person.gender, labels),
        str(person.birth_year or ""),
        _label(person.political_status, labels),
        _label(person.cadre_kind, labels),
        _label(person.establishment, labels),
        person.membership_org.name if person.membership_org else "",
        posts,
        shown_phone(contacts.get("phone", "")),
        contacts.get("email", ""),
        contacts.get("wechat", ""),
    ]


def rows(viewer: Person, roster: Roster) -> Iterable[tuple[Person, dict[str, str], list[str]]]:
    """Each person with the contacts the viewer may see (one ContactPolicy for the list)."""
    policy = ContactPolicy(viewer, roster.people)
    labels: dict[object, str] = {}
    for person in roster.people:
        contacts = policy.visible_contacts(person)
        yield person, contacts, person_row(person, contacts, labels)


def write_csv(viewer: Person, roster: Roster, stamp: Stamp) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    # The stamp is a comment row (the importer skips rows starting with "#").
    writer.writerow([neutralise("# " + stamp.lines()[0]), *map(neutralise, stamp.lines()[1:])])
    writer.writerow(headers())
    for _person, _contacts, cells in rows(viewer, roster):
        writer.writerow([neutralise(c) for c in cells])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def write_xlsx(viewer: Person, roster: Roster, stamp: Stamp) -> bytes:
    """XlsxWriter in constant-memory mode (several times faster than openpyxl here), with
    formulas, URLs and numbers never inferred from text; cells are neutralised as well,
    for whatever spreadsheet opens the file next."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "in_memory": True,
        },
    )
    book.set_properties({"author": stamp.who[:60], "created": stamp.at, "title": stamp.title[:200]})
    sheet = book.add_worksheet(_("花名册"))
    sheet.write_row(0, 0, headers())
    for n, (_person, _contacts, cells) in enumerate(rows(viewer, roster), start=1):
        for col, cell in enumerate(cells):
            if cell:  # an empty string is no cell at all, as write_row leaves it
                sheet.write_string(n, col, neutralise(cell))
    info = book.add_worksheet(_("导出信息"))
    for n, line in enumerate(stamp.lines()):
        info.write_string(n, 0, neutralise(line))
    book.close()
    return out.getvalue()


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def _fold(line: str) -> str:
    """RFC 2425 folding: lines of at most 75 octets, continued with a leading space."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    parts: list[str] = []
    current = b""
    for ch in line:
        b = ch.encode("utf-8")
        if len(current) + len(b) > (75 if not parts else 74):
            parts.append(current.decode("utf-8"))
            current = b""
        current += b
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def write_vcf(viewer: Person, roster: Roster, stamp: Stamp) -> bytes:
    out: list[str] = []
    when = stamp.at.strftime("%Y-%m-%dT%H:%M:%SZ")
    for person, contacts, _cells in rows(viewer, roster):
        lines = [
            "BEGIN:VCARD",
            "VERSION:3.0",
            f"FN:{_escape(person.name)}",
            # Chinese names: family name first, no separate given name in the data.
            f"N:{_escape(person.name)};;;;",
        ]
        if contacts.get("phone"):
            lines.append(f"TEL;TYPE=CELL:{_escape(contacts['phone'])}")
        if contacts.get("email"):
            lines.append(f"EMAIL;TYPE=INTERNET:{_escape(contacts['email'])}")
        current = person.current_positions
        org = (
            current[0].organisation.name
            if current
            else (person.membership_org.name if person.membership_org else "")
        )
        if org:
            lines.append(f"ORG:{_escape(org)}")
        if current:
            lines.append(f"TITLE:{_escape(current[0].title)}")
        if contacts.get("wechat"):
            lines.append(f"X-WECHAT:{_escape(contacts['wechat'])}")
        lines += [
            f"X-TUANYOULU-EXPORTED-BY:{_escape(stamp.who)}",
            f"X-TUANYOULU-EXPORTED-AT:{when}",
            "END:VCARD",
        ]
        out.extend(_fold(line) for line in lines)
    return ("\r\n".join(out) + "\r\n").encode("utf-8") if out else b""


WRITERS = {"xlsx": write_xlsx, "csv": write_csv, "vcf": write_vcf}
