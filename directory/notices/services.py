"""Notices: compose, read (opening counts), reply, coverage by organisation, reminders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, insert, literal, select, update
from sqlalchemy.orm import joinedload

from directory.core import markdown
from directory.core import time as clock
from directory.core.enums import CadreKind, OrgLevel, Sector
from directory.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from directory.core.messages import _m
from directory.core.pagination import ListPage
from directory.core.uow import required, transactional, unit_of_work
from directory.extensions import db
from directory.groups import attachments
from directory.lists.models import PersonList
from directory.lists.permissions import can_use_list
from directory.notices import delivery, tally
from directory.notices.models import Notice, NoticeAttachment, NoticeRecipient
from directory.notices.permissions import can_compose, can_view_coverage, managed_notices_clause
from directory.notifications.models import Notification
from directory.orgs.models import Organisation
from directory.people.models import Person

MAX_BODY = 20_000
UNREAD_PER_PAGE = 50


def _check_text(title: str, body: str) -> tuple[str, str, str]:
    title = title.strip()
    if not title:
        raise ValidationError(_("请填写标题。"), field="title")
    if len(title) > 200:
        raise ValidationError(_("标题最多 200 个字。"), field="title")
    body = body.strip()
    if not body:
        raise ValidationError(_("请填写通知内容。"), field="body")
    if len(body) > MAX_BODY:
        raise ValidationError(_("内容最多 %(n)d 个字。", n=MAX_BODY), field="body")
    try:
        html = markdown.render(body)
    except markdown.NestingTooDeep:
        raise ValidationError(_("内容的嵌套层次太深。"), field="body") from None
    return title, body, html


@transactional
def compose(
    actor: Person,
    org: Organisation,
    title: str,
    body: str,
    *,
    deadline: date | None = None,
    reply_required: bool = False,
    level: OrgLevel | None = None,
    sector: Sector | None = None,
    cadre_kind: CadreKind | None = None,
    person_list: PersonList | None = None,
    files: list[attachments.CheckedFile] | None = None,
) -> Notice:
    """Write a notice from `org` (its admins); delivery is a separate step (`delivery`).

    A saved list narrows it to the list's members, intersected with the subtree and the
    other narrowings; only the list's owner sends to it.
    """
    if not can_compose(actor, org):
        raise PermissionDenied(_("只有该团组织的管理员可以发通知。"))
    if person_list is not None and not can_use_list(actor, person_list):
        raise ValidationError(_("请选择你自己的名单。"), field="person_list")
    title, body, html = _check_text(title, body)
    if deadline is not None and deadline < clock.today():
        raise ValidationError(_("截止日期不能早于今天。"), field="deadline")
    notice = Notice(
        org_id=org.id,
        org=org,
        author_id=actor.id,
        title=title,
        body=body,
        body_html=html,
        deadline=deadline,
        reply_required=reply_required,
        level=level,
        sector=sector,
        cadre_kind=cadre_kind,
        person_list_id=person_list.id if person_list else None,
        list_name=person_list.name if person_list else None,
        created_at=clock.now(),
    )
    db.session.add(notice)
    db.session.flush()
    _attach(notice, files or [])
    return notice


def _attach(notice: Notice, files: list[attachments.CheckedFile]) -> None:
    stored: list[str] = []
    if files:
        required().on_rollback(lambda: attachments.discard(stored))
    for f in files:
        key = attachments.store(f.data)
        stored.append(key)
        db.session.add(
            NoticeAttachment(
                notice_id=notice.id,
                filename=f.filename,
                content_type=f.content_type,
                size=len(f.data),
                storage_key=key,
            )
        )


def send(actor: Person, org: Organisation, title: str, body: str, **options) -> Notice:
    """Compose and hand the notice to delivery (a background job when there is one)."""
    notice = compose(actor, org, title, body, **options)
    delivery.schedule(notice)
    return notice


def forget_removed_list(_sender: object, *, list_id: int) -> None:
    """A person list is being deleted: notices narrowed to it keep their name, not the list.

    Receiver of `list_removed`, inside the list's unit of work. Delivery then reaches
    nobody for a queued notice (it was narrowed to a list), never everyone.
    """
    db.session.execute(
        update(Notice).where(Notice.person_list_id == list_id).values(person_list_id=None)
    )


def get_notice(notice_id: int) -> Notice:
    notice = db.session.scalar(
        select(Notice)
        .options(joinedload(Notice.org), joinedload(Notice.author))
        .where(Notice.id == notice_id)
    )
    if notice is None:
        raise NotFound(_("通知不存在。"))
    return notice


def recipient_row(notice_id: int, person_id: int) -> NoticeRecipient | None:
    return db.session.scalar(
        select(NoticeRecipient).where(
            NoticeRecipient.notice_id == notice_id, NoticeRecipient.person_id == person_id
        )
    )


@transactional
def mark_read(notice_id: int, person_id: int) -> bool:
    """Opening the notice marks it read: one UPDATE (nothing when already read)."""
    result = db.session.execute(
        update(NoticeRecipient)
        .where(
            NoticeRecipient.notice_id == notice_id,
            NoticeRecipient.person_id == person_id,
            NoticeRecipient.read_at.is_(None),
        )
        .values(read_at=clock.now())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult


@transactional
def reply(notice: Notice, person: Person, text: str) -> None:
    """A recipient answers (replying also counts as reading); a later reply replaces it."""
    text = text.strip()
    if not text:
        raise ValidationError(_("请填写回复内容。"), field="reply")
    if len(text) > 2000:
        raise ValidationError(_("回复最多 2000 个字。"), field="reply")
    now = clock.now()
    result = db.session.execute(
        update(NoticeRecipient)
        .where(NoticeRecipient.notice_id == notice.id, NoticeRecipient.person_id == person.id)
        .values(
            reply=text,
            replied_at=now,
            read_at=func.coalesce(NoticeRecipient.read_at, now),
        )
    )
    if not result.rowcount:  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult
        raise PermissionDenied(_("这条通知不是发给你的。"))


def inbox(person: Person, page: int) -> ListPage[NoticeRecipient]:
    """The person's notices, newest first, with their read/replied marks."""
    stmt = (
        select(NoticeRecipient)
        .options(joinedload(NoticeRecipient.notice).joinedload(Notice.org))
        .where(NoticeRecipient.person_id == person.id)
        .order_by(NoticeRecipient.notice_id.desc())
    )
    return ListPage.fetch(stmt, page, 20, count=False)


def managed(viewer: Person, page: int) -> ListPage[Notice]:
    """Notices the viewer sees coverage of: sent from their part of the tree or above it."""
    stmt = (
        select(Notice)
        .join(Organisation, Organisation.id == Notice.org_id)
        .options(joinedload(Notice.org))
        .where(managed_notices_clause(viewer))
        .order_by(Notice.id.desc())
    )
    return ListPage.fetch(stmt, page, 20, count=False)


@dataclass
class CoverageRow:
    """Counts for one part of the tree."""

    org: Organisation | None  # None: cadres of the organisation itself (not below it)
    total: int = 0
    read: int = 0
    replied: int = 0

    @property
    def unread(self) -> int:
        return self.total - self.read

    @property
    def read_pct(self) -> int:
        return round(100 * self.read / self.total) if self.total else 0


@dataclass
class Coverage:
    org: Organisation
    total: CoverageRow
    own: CoverageRow
    rows: list[CoverageRow] = field(default_factory=list)


def coverage(notice: Notice, org: Organisation) -> Coverage:
    """Read / unread / replied under `org`, by child organisation.

    From the notice's tallies (counters kept by delivery and by the database's triggers):
    `org`'s own row and its children's, one query whatever the number of recipients. The
    cadres of `org` itself are its subtree's counts less its children's.
    """
    mine, children = tally.part(notice.id, org)
    total = CoverageRow(org)
    if mine is not None:
        total.total, total.read, total.replied = mine.recipients, mine.read, mine.replied
    own = CoverageRow(None, total.total, total.read, total.replied)
    rows = []
    for c in children:
        if c.recipients:  # a child whose every recipient row was deleted shows no more
            rows.append(CoverageRow(c.org, c.recipients, c.read, c.replied))
        own.total -= c.recipients
        own.read -= c.read
        own.replied -= c.replied
    rows.sort(key=lambda r: (-r.unread, r.org.name if r.org else ""))
    return Coverage(org, total, own, rows)


def unread_people(
    notice: Notice, org: Organisation, page: int, total: int | None = None
) -> ListPage[NoticeRecipient]:
    """Who under `org` has not read the notice yet, by organisation then person.

    Read in the coverage index's order, so a page costs the rows it shows; `total` (the
    coverage's unread count) saves counting them again.
    """
    stmt = (
        select(NoticeRecipient)
        .options(joinedload(NoticeRecipient.person), joinedload(NoticeRecipient.org))
        .where(
            NoticeRecipient.notice_id == notice.id,
            delivery.under(notice, org),
            NoticeRecipient.read_at.is_(None),
        )
        .order_by(NoticeRecipient.org_id, NoticeRecipient.person_id)
    )
    result = ListPage.fetch(stmt, page, UNREAD_PER_PAGE, count=total is None)
    if total is not None:
        result.total = total
    return result


def replies(notice: Notice, org: Organisation, limit: int = 100) -> list[NoticeRecipient]:
    """The latest replies under `org`."""
    return list(
        db.session.scalars(
            select(NoticeRecipient)
            .options(joinedload(NoticeRecipient.person), joinedload(NoticeRecipient.org))
            .where(
                NoticeRecipient.notice_id == notice.id,
                delivery.under(notice, org),
                NoticeRecipient.replied_at.is_not(None),
            )
            .order_by(NoticeRecipient.replied_at.desc())
            .limit(limit)
        )
    )


def remind(actor: Person, notice: Notice, org: Organisation) -> int:
    """Remind everyone under `org` who has not read the notice: in-app, and by e-mail when on."""
    with unit_of_work():
        if not can_view_coverage(actor, notice, org):
            raise PermissionDenied(_("你不能提醒这一部分的团干部。"))
        if not notice.is_sent:
            raise Conflict(_("通知还在发送中，请稍后再提醒。"))
        now = clock.now()
        unread = (
            NoticeRecipient.notice_id == notice.id,
            delivery.under(notice, org),
            NoticeRecipient.read_at.is_(None),
        )
        message = _m("提醒：请阅读通知《%(title)s》", title=notice.title)
        db.session.execute(
            insert(Notification).from_select(
                ["person_id", "kind", *delivery.MESSAGE_COLUMNS, "link", "created_at"],
                select(
                    NoticeRecipient.person_id,
                    literal("notice_reminder"),
                    *delivery.message_literals(message),
                    literal(delivery.notice_link(notice.id)),
                    literal(now),
                ).where(*unread),
            )
        )
        count = db.session.execute(
            update(NoticeRecipient).where(*unread).values(reminded_at=now)
        ).rowcount  # type: ignore[attr-defined]  # an UPDATE gives a CursorResult
    if count and current_app.config.get("MAIL_ENABLED"):
        delivery.mail_recipients(notice.id, message, only_unread_under=delivery.under(notice, org))
    return int(count)
