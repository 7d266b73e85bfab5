"""Information reports: submit up the tree, receive / return / adopt, pass further up, count."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import case, func, select, update
from sqlalchemy.orm import aliased, joinedload

from directory.core import time as clock
from directory.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from directory.core.messages import _m
from directory.core.pagination import ListPage
from directory.core.uow import required, transactional
from directory.extensions import db
from directory.groups import attachments
from directory.notifications.services import notify
from directory.orgs.models import Organisation
from directory.people.models import OrgAdmin, Person
from directory.reports.models import InfoReport, ReportPhoto, ReportStatus
from directory.reports.permissions import can_handle, can_submit_from, handled_clause

S = ReportStatus
IMAGE_TYPES = {"png", "jpg", "jpeg", "gif", "webp"}
MAX_BODY = 5000
OPEN = (S.SUBMITTED, S.RECEIVED)


def check_photos(uploads) -> list[attachments.CheckedFile]:
    """Photos only (checked by content like every attachment)."""
    files = [u for u in uploads if u and u.filename]
    for u in files:
        ext = u.filename.rsplit(".", 1)[-1].lower() if "." in u.filename else ""
        if ext not in IMAGE_TYPES:
            raise ValidationError(
                _("只能上传照片（PNG、JPEG、GIF、WebP）：%(name)s", name=u.filename[:100]),
                field="photos",
            )
    return attachments.check_all(files)


def submit_orgs(person: Person) -> list[Organisation]:
    """Organisations the person may report from (confirmed post or admin; one above exists)."""
    ids = {p.organisation_id for p in person.current_positions} | {
        a.organisation_id for a in person.admin_of
    }
    if not ids:
        return []
    orgs = db.session.scalars(
        select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.path)
    )
    return [o for o in orgs if can_submit_from(person, o)]


def _admin_ids(org: Organisation) -> set[int]:
    """Admins of the organisation, else of the nearest ancestor that has some."""
    rows = db.session.execute(
        select(OrgAdmin.organisation_id, OrgAdmin.person_id).where(
            OrgAdmin.organisation_id.in_(org.ancestor_ids)
        )
    ).all()
    for org_id in reversed(org.ancestor_ids):
        found = {pid for oid, pid in rows if oid == org_id}
        if found:
            return found
    return set()


def _link(report_id: int) -> str:
    from flask import url_for

    return url_for("reports.show", report_id=report_id)


def _check(title: str, body: str) -> tuple[str, str]:
    title = title.strip()
    body = body.strip()
    if not title:
        raise ValidationError(_("请填写标题。"), field="title")
    if len(title) > 200:
        raise ValidationError(_("标题最多 200 个字。"), field="title")
    if not body:
        raise ValidationError(_("请填写内容。"), field="body")
    if len(body) > MAX_BODY:
        raise ValidationError(_("内容最多 %(n)d 个字。", n=MAX_BODY), field="body")
    return title, body


@transactional
def submit(
    actor: Person,
    from_org: Organisation,
    title: str,
    body: str,
    photos: list[attachments.CheckedFile] | None = None,
) -> InfoReport:
    """Send a report to the organisation above `from_org`."""
    if not can_submit_from(actor, from_org) or from_org.parent is None:
        raise PermissionDenied(_("你不能以该团组织的名义报送信息。"))
    title, body = _check(title, body)
    report = InfoReport(
        from_org_id=from_org.id,
        to_org_id=from_org.parent.id,
        author_id=actor.id,
        title=title,
        body=body,
        created_at=clock.now(),
    )
    db.session.add(report)
    db.session.flush()
    _store_photos(report, photos or [])
    notify(
        _admin_ids(from_org.parent),
        "report",
        _m("%(org)s 报送了信息：%(title)s", org=from_org.name, title=title),
        _link(report.id),
    )
    return report


def _store_photos(report: InfoReport, files: list[attachments.CheckedFile]) -> None:
    stored: list[str] = []
    if files:
        required().on_rollback(lambda: attachments.discard(stored))
    for f in files:
        key = attachments.store(f.data)
        stored.append(key)
        db.session.add(
            ReportPhoto(
                report_id=report.id,
                filename=f.filename,
                content_type=f.content_type,
                size=len(f.data),
                storage_key=key,
            )
        )


DECISIONS = {"receive": S.RECEIVED, "return": S.RETURNED, "adopt": S.ADOPTED}


@transactional
def decide(
    actor: Person,
    report: InfoReport,
    action: str,
    comment: str = "",
    forward: bool = False,
    note: str = "",
) -> InfoReport | None:
    """Receive, return (with a comment) or adopt; adopting may pass it up. Returns the new report."""
    if not can_handle(actor, report):
        raise PermissionDenied(_("只有接收组织的管理员可以处理这条信息。"))
    target = DECISIONS.get(action)
    if target is None:
        raise ValidationError(_("未知的操作。"), field="comment")
    comment = comment.strip()
    if len(comment) > 1000 or len(note.strip()) > 1000:
        raise ValidationError(_("意见最多 1000 个字。"), field="comment")
    if target == S.RETURNED and not comment:
        raise ValidationError(_("退回时请写明原因。"), field="comment")
    allowed_from = (S.SUBMITTED,) if target == S.RECEIVED else OPEN
    # The state check is part of the UPDATE: a second click or a stale page changes nothing.
    result = db.session.execute(
        update(InfoReport)
        .where(InfoReport.id == report.id, InfoReport.status.in_(allowed_from))
        .values(status=target, comment=comment, decided_at=clock.now(), decided_by_id=actor.id)
    )
    if not result.rowcount:  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult
        raise Conflict(_("这条信息已经处理过了，请刷新页面。"))
    db.session.refresh(report)
    if report.author_id is not None:
        message = {
            S.RECEIVED: _m("你报送的信息“%(t)s”已收到。", t=report.title),
            S.RETURNED: _m("你报送的信息“%(t)s”被退回：%(c)s", t=report.title, c=comment),
            S.ADOPTED: _m(
                "你报送的信息“%(t)s”已被%(org)s采用。", t=report.title, org=report.to_org.name
            ),
        }[target]
        notify([report.author_id], "report", message, _link(report.id))
    if target == S.ADOPTED and forward:
        above = report.to_org.parent
        if above is None:
            raise ValidationError(
                _("%(org)s 没有上级组织，不能继续上报。", org=report.to_org.name), field="comment"
            )
        note = note.strip()
        body = f"{note}\n\n———\n{report.from_org.name}：{report.body}" if note else report.body
        up = InfoReport(
            from_org_id=report.to_org_id,
            to_org_id=above.id,
            author_id=actor.id,
            title=report.title,
            body=body[: MAX_BODY + 1100],
            forwarded_from_id=report.id,
            created_at=clock.now(),
        )
        db.session.add(up)
        db.session.flush()
        notify(
            _admin_ids(above),
            "report",
            _m("%(org)s 报送了信息：%(title)s", org=report.to_org.name, title=report.title),
            _link(up.id),
        )
        return up
    return None


def get_report(report_id: int) -> InfoReport:
    report = db.session.scalar(
        select(InfoReport)
        .options(
            joinedload(InfoReport.from_org),
            joinedload(InfoReport.to_org),
            joinedload(InfoReport.author),
            joinedload(InfoReport.decided_by),
        )
        .where(InfoReport.id == report_id)
    )
    if report is None:
        raise NotFound(_("信息不存在。"))
    return report


def _eager(stmt):
    return stmt.options(joinedload(InfoReport.from_org), joinedload(InfoReport.to_org))


def mine(person: Person, page: int) -> ListPage[InfoReport]:
    """Reports the person wrote, newest first."""
    stmt = _eager(
        select(InfoReport).where(InfoReport.author_id == person.id).order_by(InfoReport.id.desc())
    )
    return ListPage.fetch(stmt, page, 20, count=False)


def incoming(viewer: Person, page: int, only_open: bool = True) -> ListPage[InfoReport]:
    """Reports sent to organisations the viewer administers (open ones first)."""
    to_org = aliased(Organisation)
    stmt = (
        select(InfoReport)
        .join(to_org, to_org.id == InfoReport.to_org_id)
        .where(handled_clause(viewer, to_org))
        .order_by(InfoReport.id.desc())
    )
    if only_open:
        stmt = stmt.where(InfoReport.status.in_(OPEN))
    return ListPage.fetch(_eager(stmt), page, 20, count=True)


@dataclass
class StatRow:
    org: Organisation
    submitted: int
    adopted: int

    @property
    def rate(self) -> int:
        return round(100 * self.adopted / self.submitted) if self.submitted else 0


def period_bounds(year: int, month: int | None) -> tuple[datetime, datetime]:
    """[start, end) of a year or of one month of it."""
    if month is None:
        return datetime(year, 1, 1), datetime(year + 1, 1, 1)
    end = datetime(year + (month == 12), month % 12 + 1, 1)
    return datetime(year, month, 1), end


def statistics(org: Organisation, year: int, month: int | None = None) -> list[StatRow]:
    """Reports submitted and adopted by each organisation of the subtree in the period."""
    start, end = period_bounds(year, month)
    rows = db.session.execute(
        select(
            Organisation,
            func.count(InfoReport.id),
            func.count(case((InfoReport.status == S.ADOPTED, 1))),
        )
        .join(InfoReport, InfoReport.from_org_id == Organisation.id)
        .where(
            Organisation.path.startswith(org.path, autoescape=True),
            InfoReport.created_at >= start,
            InfoReport.created_at < end,
        )
        .group_by(Organisation.id)
    ).all()
    stats = [StatRow(o, n, a) for o, n, a in rows]
    stats.sort(key=lambda r: (-r.adopted, -r.submitted, r.org.path))
    return stats


def statistics_csv(rows: list[StatRow]) -> str:
    """The statistics as CSV (UTF-8 with BOM so spreadsheet programs read Chinese)."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([_("团组织"), _("层级"), _("报送"), _("采用"), _("采用率")])
    for r in rows:
        name = r.org.name
        if name[:1] in ("=", "+", "-", "@"):
            name = "'" + name  # a cell that a spreadsheet would take for a formula
        writer.writerow([name, r.org.level.label, r.submitted, r.adopted, f"{r.rate}%"])
    return out.getvalue()
