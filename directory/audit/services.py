"""Audit use cases: entries the web layer writes on its own, reading, CSV export, pruning."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from sqlalchemy import Select, delete, select

from directory.audit.actions import label
from directory.audit.models import RETENTION_FLOOR_DAYS, AuditEvent
from directory.audit.permissions import can_read_audit, visible_clause
from directory.audit.record import record, record_once
from directory.core import time as clock
from directory.core.errors import PermissionDenied, ValidationError
from directory.core.pagination import ListPage
from directory.core.sql import contains
from directory.core.uow import transactional, unit_of_work
from directory.extensions import db

if TYPE_CHECKING:  # people record into the audit log: people is above audit
    from directory.people.models import Person

log = logging.getLogger(__name__)


@transactional
def signed_in(person: Person) -> None:
    """A successful sign-in."""
    record("auth.sign_in", actor=person, subject_person=person)


def contacts_revealed(viewer: Person, person: Person, fields: list[str]) -> None:
    """Contact fields of `person` shown to `viewer`: one entry per viewer, person and day.

    Nothing shown (or one's own profile): no transaction at all, so a page that reveals
    nothing costs no query and expires nothing."""
    if not fields or viewer.id == person.id:
        return
    day = clock.today().isoformat()
    with unit_of_work():
        record_once(
            f"contact:{viewer.id}:{person.id}:{day}",
            "contact.reveal",
            actor=viewer,
            subject_person=person,
            details={"fields": sorted(fields)},
        )


@dataclass(frozen=True)
class AuditFilter:
    """What the audit page filters by; every part optional."""

    action: str = ""
    actor: str = ""
    org: str = ""
    start: date | None = None
    end: date | None = None


def _query(viewer: Person, f: AuditFilter) -> Select[AuditEvent]:
    if not can_read_audit(viewer):
        raise PermissionDenied(_("你没有权限查看审计日志。"))
    stmt = select(AuditEvent).where(visible_clause(viewer))
    if f.action:
        stmt = stmt.where(AuditEvent.action == f.action)
    if f.actor:
        stmt = stmt.where(contains(AuditEvent.actor_name, f.actor))
    if f.org:
        stmt = stmt.where(contains(AuditEvent.org_name, f.org))
    if f.start:
        stmt = stmt.where(AuditEvent.at >= datetime.combine(f.start, time.min))
    if f.end:
        stmt = stmt.where(AuditEvent.at < datetime.combine(f.end + timedelta(days=1), time.min))
    return stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def list_events(
    viewer: Person, f: AuditFilter, page: int = 1, per_page: int = 50
) -> ListPage[AuditEvent]:
    """One page of the entries the viewer may read, newest first."""
    return ListPage.fetch(_query(viewer, f), page, per_page)


EXPORT_LIMIT = 100_000


def export_csv(viewer: Person, f: AuditFilter) -> Iterator[str]:
    """The filtered entries as CSV (UTF-8 with BOM, for spreadsheets), newest first."""
    if not can_read_audit(viewer):
        raise PermissionDenied(_("你没有权限查看审计日志。"))
    stmt = _query(viewer, f).limit(EXPORT_LIMIT)
    buf = io.StringIO()
    writer = csv.writer(buf)

    def flush() -> str:
        text = buf.getvalue()
        buf.seek(0)
        buf.truncate()
        return text

    buf.write("\ufeff")
    writer.writerow([_("时间 (UTC)"), _("操作"), _("操作人"), _("对象"), _("团组织"), _("详情")])
    yield flush()
    for e in db.session.scalars(stmt.execution_options(yield_per=1000)):
        details = "; ".join(f"{k}={v}" for k, v in sorted((e.details or {}).items()))
        writer.writerow(
            [
                e.at.strftime("%Y-%m-%d %H:%M:%S"),
                label(e.action),
                _neutral(e.actor_name),
                _neutral(e.subject_name),
                _neutral(e.org_name),
                _neutral(details),
            ]
        )
        if buf.tell() > 64_000:
            yield flush()
    yield flush()


def _neutral(text: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    from directory.core.cells import neutralise

    return neutralise(text)


def prune(days: int) -> int:
    """Delete entries older than `days` (never below the floor the database enforces)."""
    if days < RETENTION_FLOOR_DAYS:
        raise ValidationError(
            _("审计日志至少保留 %(days)s 天。", days=RETENTION_FLOOR_DAYS), field="days"
        )
    return _prune(clock.now() - timedelta(days=days))


@transactional
def _prune(cutoff: datetime) -> int:
    result = db.session.execute(
        delete(AuditEvent)
        .where(AuditEvent.at < cutoff)
        .execution_options(synchronize_session=False)
    )
    count = int(result.rowcount)  # type: ignore[attr-defined]  # a DELETE gives a CursorResult
    log.info("audit log pruned: %d entries before %s", count, cutoff)
    return count
