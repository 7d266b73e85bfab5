"""Delivering a notice: the recipients are materialised set-based, never one person at a time.

`deliver(notice_id)` writes one `notice_recipient` row per cadre (people with a confirmed
current position in a live organisation of the subtree, narrowed by level, sector and cadre
kind, or to the members of a saved list) with one INSERT ... SELECT, then the in-app notifications with a second one and the
coverage counters (`tally.write`) with a third. It runs as
a background job when directory/jobs is there, else directly after the notice is committed.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import (
    JSON,
    ColumnElement,
    Select,
    String,
    func,
    insert,
    literal,
    select,
    true,
    update,
)

from directory.core import time as clock
from directory.core.errors import NotFound
from directory.core.messages import Message, _m
from directory.core.uow import required, unit_of_work
from directory.extensions import db
from directory.jobs import Job, submit
from directory.lists.models import PersonListMember
from directory.notices import tally
from directory.notices.models import Notice, NoticeRecipient, NoticeStatus, NoticeTally
from directory.notifications.models import Notification
from directory.notifications.services import stored_fields
from directory.orgs.models import Organisation
from directory.people.models import Person, Position
from directory.web.links import external_url, offline_request

log = logging.getLogger(__name__)
KIND = "notice"


def audience(notice: Notice) -> Select:
    """(person_id, org_id) of every cadre the notice reaches: one row per person.

    A cadre with several posts in the subtree is reached through the one with the lowest
    organisation id (stable, and the same on both databases).
    """
    org = db.aliased(Organisation)
    stmt = (
        select(Position.person_id, func.min(Position.organisation_id).label("org_id"))
        .join(org, org.id == Position.organisation_id)
        .join(Person, Person.id == Position.person_id)
        .where(
            Position.grants_access,
            Position.end_date.is_(None),
            org.path.startswith(notice.org.path, autoescape=True),
            org.dissolved_at.is_(None),
            Person.is_active_account.is_(True),
        )
        .group_by(Position.person_id)
    )
    if notice.level is not None:
        stmt = stmt.where(org.level == notice.level)
    if notice.sector is not None:
        stmt = stmt.where(org.sector == notice.sector)
    if notice.cadre_kind is not None:
        stmt = stmt.where(Person.cadre_kind == notice.cadre_kind)
    if notice.list_name is not None:
        # A saved list: only its members (none when the list was deleted since).
        stmt = stmt.where(
            Position.person_id.in_(
                select(PersonListMember.person_id).where(
                    PersonListMember.list_id == notice.person_list_id
                )
            )
        )
    return stmt


def count_audience(notice: Notice) -> int:
    """How many cadres the notice would reach (for the form's preview)."""
    return db.session.scalar(select(func.count()).select_from(audience(notice).subquery())) or 0


def notice_link(notice_id: int) -> str:
    """The notice's page, also from a background job (no request there)."""
    with offline_request():
        return url_for("notices.show", notice_id=notice_id)


def deliver(notice_id: int) -> int:
    """Materialise the recipients and their notifications in one unit of work; returns how many."""
    with unit_of_work():
        notice = db.session.get(Notice, notice_id)
        if notice is None:
            raise NotFound(_("通知不存在。"))
        if notice.status == NoticeStatus.SENT:
            return notice.recipient_count
        who = audience(notice).subquery()
        db.session.execute(
            insert(NoticeRecipient).from_select(
                ["notice_id", "person_id", "org_id", "reply"],
                select(literal(notice.id), who.c.person_id, who.c.org_id, literal("")),
            )
        )
        now = clock.now()
        message = _m("新通知：%(title)s（%(org)s）", title=notice.title, org=notice.org.name)
        db.session.execute(
            insert(Notification).from_select(
                ["person_id", "kind", *MESSAGE_COLUMNS, "link", "created_at"],
                select(
                    NoticeRecipient.person_id,
                    literal(KIND),
                    *message_literals(message),
                    literal(notice_link(notice.id)),
                    literal(now),
                ).where(NoticeRecipient.notice_id == notice.id),
            )
        )
        # The coverage counters, in the same unit: the triggers keep them from here on.
        tally.write(notice)
        count = (
            db.session.scalar(
                select(NoticeTally.recipients).where(
                    NoticeTally.notice_id == notice.id, NoticeTally.org_id == notice.org_id
                )
            )
            or 0
        )
        db.session.execute(
            update(Notice)
            .where(Notice.id == notice.id)
            .values(status=NoticeStatus.SENT, recipient_count=count, sent_at=now)
        )
        if current_app.config.get("MAIL_ENABLED"):
            subject = _m("新通知：%(title)s", title=notice.title)
            # After the commit (of the job's unit when this runs as one): never mail for
            # rows that roll back.
            required().after_commit(lambda: mail_recipients(notice_id, subject))
    return count


def under(notice: Notice, org: Organisation) -> ColumnElement[bool]:
    """Recipients reached through `org` or an organisation below it.

    For the notice's own organisation that is every recipient (no condition); below it, the
    organisation ids come from the tree's path index, matched against the coverage index.
    """
    if org.id == notice.org_id:
        return true()
    return NoticeRecipient.org_id.in_(
        select(Organisation.id).where(Organisation.path.startswith(org.path, autoescape=True))
    )


MESSAGE_COLUMNS = ("message", "message_key", "message_values")


def message_literals(message: Message) -> list[Any]:
    """The notification's message columns as literals, for an INSERT ... SELECT."""
    fields = stored_fields(message)
    return [
        literal(fields["message"], String()),
        literal(fields["message_key"], String()),
        literal(fields["message_values"], JSON()),
    ]


def mail_recipients(
    notice_id: int, subject: Message | str, only_unread_under: ColumnElement[bool] | None = None
) -> int:
    """E-mail the notice's recipients (or the unread ones matching a condition); after commit."""
    from directory.core.mail import send_mail

    stmt = (
        select(Person.email)
        .join(NoticeRecipient, NoticeRecipient.person_id == Person.id)
        .where(NoticeRecipient.notice_id == notice_id)
    )
    if only_unread_under is not None:
        stmt = stmt.where(only_unread_under, NoticeRecipient.read_at.is_(None))
    with offline_request():
        link = external_url("notices.show", notice_id=notice_id)
    sent = 0
    # Who reads an e-mail, and in which language, is not known: it says it in each.
    if isinstance(subject, Message):
        text, title = subject.in_every_language("\n\n"), subject.in_every_language(" / ")
    else:
        text = title = subject
    brand = _m("团友录").in_every_language(" / ")
    for email in db.session.scalars(stmt):
        sent += send_mail(email, f"[{brand}] {title[:120]}", f"{text}\n\n{link}\n")
    return sent


def schedule(notice: Notice) -> Job:
    """Queue the delivery as a background job (`notices.deliver`); returns the job."""
    job = submit("notices.deliver", owner_id=notice.author_id, params={"notice_id": notice.id})
    with unit_of_work():
        db.session.execute(update(Notice).where(Notice.id == notice.id).values(job_id=job.id))
    return job
