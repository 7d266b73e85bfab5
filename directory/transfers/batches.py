"""Batch transfers: many members in one submission, each tracked on its own.

Look-ups are done in bulk (a handful of queries whatever the batch size); lines that
cannot become a transfer are kept as failures with a reason, per member.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from directory.core import time as clock
from directory.core.errors import Conflict, DomainError, NotFound, ValidationError
from directory.core.messages import _m
from directory.core.numbers import reference_id
from directory.core.uow import unit_of_work
from directory.extensions import db
from directory.notifications.services import notify
from directory.orgs.models import Organisation
from directory.people.models import Person
from directory.transfers import services as svc
from directory.transfers.models import (
    OPEN_STATES,
    Transfer,
    TransferBatch,
    TransferBatchFailure,
    TransferReason,
)
from directory.transfers.notify import acting_admin_ids, transfer_link

MAX_ROWS = 5000
_REF = re.compile(r"#(\d{1,12})\s*$")
_HEADER_WORDS = {"member", "成员", "团员", "人员", "姓名", "邮箱", "email"}


@dataclass
class BatchLine:
    """One requested move, as typed or uploaded."""

    line: int
    member: str
    destination: str
    reason: str = ""
    note: str = ""


def _reason_of(text: str, default: TransferReason) -> TransferReason | None:
    text = text.strip()
    if not text:
        return default
    for r in TransferReason:
        if text in (r.value, str(r.label)) or text in str(r.label).split("/"):
            return r
    return None


def parse_upload(filename: str, data: bytes) -> list[BatchLine]:
    """Read a CSV (UTF-8 or GBK) or XLSX list: member, destination[, reason[, note]]."""
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        rows = _xlsx_rows(data)
    elif name.endswith(".csv") or name.endswith(".txt"):
        rows = _csv_rows(data)
    else:
        raise ValidationError(_("只支持 CSV 或 XLSX 文件。"), field="file")
    lines: list[BatchLine] = []
    for number, cells in rows:
        cells = [("" if c is None else str(c)).strip() for c in cells]
        if not any(cells):
            continue
        if not lines and cells[0].lower() in _HEADER_WORDS:
            continue
        cells += [""] * (4 - len(cells))
        lines.append(BatchLine(number, cells[0][:200], cells[1][:200], cells[2][:40], cells[3]))
        if len(lines) > MAX_ROWS:
            raise ValidationError(_("一次最多提交 %(n)d 行。", n=MAX_ROWS), field="file")
    if not lines:
        raise ValidationError(_("文件中没有可以提交的行。"), field="file")
    return lines


def _csv_rows(data: bytes) -> list[tuple[int, list[str]]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError as err:
            bad_line = data[: err.start].count(b"\n") + 1
    else:
        raise ValidationError(
            _("第 %(n)d 行不是有效的 UTF-8 或 GBK 文本，请另存为 UTF-8 编码的 CSV。", n=bad_line),
            field="file",
        )
    if "\x00" in text:
        raise ValidationError(_("文件不是文本格式的 CSV。"), field="file")
    try:
        return [(i, row) for i, row in enumerate(csv.reader(io.StringIO(text)), start=1)]
    except csv.Error as err:
        raise ValidationError(_("CSV 格式有误：%(e)s", e=str(err)), field="file") from None


def _xlsx_rows(data: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError):
        raise ValidationError(_("无法读取该 XLSX 文件。"), field="file") from None
    try:
        sheet = book.worksheets[0]
        out = []
        for i, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            out.append((i, list(row[:4])))
            if i > MAX_ROWS + 1:
                break
        return out
    finally:
        book.close()


def _ref_id(text: str) -> int | None:
    return reference_id(text)


def _load_people(lines: list[BatchLine]) -> tuple[dict[int, Person], dict[str, Person]]:
    ids = {i for ln in lines if (i := _ref_id(ln.member)) is not None}
    emails = {ln.member.lower() for ln in lines if "@" in ln.member}
    stmt = select(Person).options(joinedload(Person.membership_org))
    by_id = {p.id: p for p in db.session.scalars(stmt.where(Person.id.in_(ids)))} if ids else {}
    by_email = (
        {p.email: p for p in db.session.scalars(stmt.where(Person.email.in_(emails)))}
        if emails
        else {}
    )
    return by_id, by_email


def _load_orgs(
    lines: list[BatchLine],
) -> tuple[dict[int, Organisation], dict[str, list[Organisation]]]:
    ids = {i for ln in lines if (i := _ref_id(ln.destination)) is not None}
    names = {ln.destination for ln in lines if _ref_id(ln.destination) is None}
    by_id = (
        {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(ids)))}
        if ids
        else {}
    )
    by_name: dict[str, list[Organisation]] = {}
    if names:
        for o in db.session.scalars(select(Organisation).where(Organisation.name.in_(names))):
            by_name.setdefault(o.name, []).append(o)
    return by_id, by_name


def submit_batch(
    actor: Person,
    lines: list[BatchLine],
    default_reason: TransferReason,
    default_note: str = "",
    source: str = "selection",
    filename: str = "",
) -> TransferBatch:
    """Create a batch: one transfer per valid line, one failure row per refused line (commits)."""
    if not lines:
        raise ValidationError(_("请至少选择一名成员。"), field="members")
    by_id, by_email = _load_people(lines)
    orgs_by_id, orgs_by_name = _load_orgs(lines)
    person_ids = {p.id for p in (*by_id.values(), *by_email.values())}
    busy = (
        set(
            db.session.scalars(
                select(Transfer.person_id).where(
                    Transfer.person_id.in_(person_ids), Transfer.state.in_(OPEN_STATES)
                )
            )
        )
        if person_ids
        else set()
    )
    try:
        with unit_of_work():
            batch = TransferBatch(created_by_id=actor.id, source=source, filename=filename[:200])
            db.session.add(batch)
            db.session.flush()
            seen: set[int] = set()
            made: list[Transfer] = []
            at = clock.now()
            for ln in lines:
                try:
                    person = _person(ln.member, by_id, by_email)
                    org = _org(ln.destination, orgs_by_id, orgs_by_name)
                    reason = _reason_of(ln.reason, default_reason)
                    if reason is None:
                        raise ValidationError(_("无法识别的转接原因：%(r)s", r=ln.reason))
                    if person.id in seen:
                        raise Conflict(_("同一成员在本批次中出现了多次。"))
                    if person.id in busy:
                        raise Conflict(_("%(name)s 已有一个进行中的转接。", name=person.name))
                    # The same checks and initial state as a single request, with no round trip.
                    t, events = svc.plan(
                        actor, person, org, reason, ln.note or default_note, at, batch.id
                    )
                except DomainError as err:
                    db.session.add(
                        TransferBatchFailure(
                            batch_id=batch.id,
                            line=ln.line,
                            member=ln.member[:200],
                            destination=ln.destination[:200],
                            message=err.message[:300],
                        )
                    )
                    continue
                seen.add(person.id)
                made.append(t)
                db.session.add(t)
                db.session.add_all(events)
            db.session.flush()
            _notify_batch(actor, batch, made)
    except IntegrityError:
        raise Conflict(_("提交时有成员的转接状态发生了变化，请重新提交。")) from None
    return batch


def _person(text: str, by_id: dict[int, Person], by_email: dict[str, Person]) -> Person:
    pid = _ref_id(text)
    person = by_id.get(pid) if pid is not None else by_email.get(text.lower())
    if person is None:
        raise NotFound(_("找不到成员：%(m)s（请填写邮箱或“姓名 #编号”）", m=text[:60]))
    return person


def _org(
    text: str, by_id: dict[int, Organisation], by_name: dict[str, list[Organisation]]
) -> Organisation:
    oid = _ref_id(text)
    if oid is not None:
        org = by_id.get(oid)
    else:
        matches = by_name.get(text, [])
        if len(matches) > 1:
            raise ValidationError(_("有多个同名团组织，请写成“名称 #编号”。"))
        org = matches[0] if matches else None
    if org is None:
        raise NotFound(_("团组织不存在：%(text)s", text=text[:60] or "—"))
    return org


def _notify_batch(actor: Person, batch: TransferBatch, made: list[Transfer]) -> None:
    """Each member hears about their own move; each acting admin gets one summary."""
    for t in made:
        if t.person_id != actor.id:
            notify(
                [t.person_id],
                "transfer",
                _m("你的组织关系转接已提交（转入“%(org)s”）。", org=t.to_org.name),
                transfer_link(t.id),
            )
    waiting = Counter(t.waiting_org.id for t in made if t.waiting_org is not None)
    orgs = {t.waiting_org.id: t.waiting_org for t in made if t.waiting_org is not None}
    for org_id, n in waiting.items():
        ids = set(acting_admin_ids(orgs[org_id])) - {actor.id}
        notify(
            ids,
            "transfer",
            _m("批量转接：%(n)d 条转接等待“%(org)s”处理。", n=n, org=orgs[org_id].name),
            "/transfers/",
        )


def progress(batch: TransferBatch) -> tuple[dict[str, int], list[Transfer]]:
    """Counts by state and the transfers of a batch (with member and organisations loaded)."""
    counts = dict(
        db.session.execute(
            select(Transfer.state, func.count())
            .where(Transfer.batch_id == batch.id)
            .group_by(Transfer.state)
        ).all()
    )
    items = list(
        db.session.scalars(
            select(Transfer)
            .options(
                joinedload(Transfer.person),
                joinedload(Transfer.from_org),
                joinedload(Transfer.to_org),
                joinedload(Transfer.final_org),
            )
            .where(Transfer.batch_id == batch.id)
            .order_by(Transfer.id)
        )
    )
    return {str(k.value if hasattr(k, "value") else k): v for k, v in counts.items()}, items
