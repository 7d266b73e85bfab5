"""Group notifications: per-user settings, in-app notifications, e-mail after the commit."""

from __future__ import annotations

from collections.abc import Iterable

from flask import g, has_request_context
from sqlalchemy import delete, select

from directory.core import mail, uow
from directory.core.messages import Message, _m
from directory.core.uow import transactional
from directory.extensions import db
from directory.groups.models import Group, GroupMember, MemberRole, NotificationSetting
from directory.notifications.services import notify
from directory.people.models import Person
from directory.web.links import external_link

NOTIFICATION_KINDS: tuple[str, ...] = (
    "group_reply",
    "group_mention",
    "group_join_request",
    "group_decision",
    "group_invitation",
    "group_report",
)


def settings_for(person_id: int) -> dict[str, tuple[bool, bool]]:
    """(in_app, email) per notification kind, defaults filled in."""
    result = {k: (True, False) for k in NOTIFICATION_KINDS}
    for row in db.session.scalars(
        select(NotificationSetting).where(NotificationSetting.person_id == person_id)
    ):
        if row.kind in result:
            result[row.kind] = (row.in_app, row.email)
    return result


@transactional
def save_settings(person_id: int, values: dict[str, tuple[bool, bool]]) -> None:
    """Store the person's choices (commits)."""
    db.session.execute(
        delete(NotificationSetting).where(NotificationSetting.person_id == person_id)
    )
    for kind, (in_app, email) in values.items():
        if kind in NOTIFICATION_KINDS:
            db.session.add(
                NotificationSetting(person_id=person_id, kind=kind, in_app=in_app, email=email)
            )


def dispatch(recipient_ids: Iterable[int], kind: str, message: Message, link: str) -> None:
    """Notify people per their settings; e-mails are queued until `send_queued_mail`."""
    ids = set(recipient_ids)
    if not ids:
        return
    rows = db.session.execute(
        select(
            NotificationSetting.person_id, NotificationSetting.in_app, NotificationSetting.email
        ).where(NotificationSetting.person_id.in_(ids), NotificationSetting.kind == kind)
    ).all()
    chosen = {pid: (in_app, email) for pid, in_app, email in rows}
    in_app_ids = [pid for pid in ids if chosen.get(pid, (True, False))[0]]
    email_ids = [pid for pid in ids if chosen.get(pid, (True, False))[1]]
    notify(in_app_ids, kind, message, link)
    if email_ids and has_request_context():
        addresses = db.session.scalars(
            select(Person.email).where(Person.id.in_(email_ids), Person.is_active_account)
        ).all()
        queue = g.setdefault("group_mail_queue", [])
        queue.extend((a, message, link) for a in addresses)
        unit = uow.current()
        if unit is not None and addresses:
            # Mail only what was committed; a rollback drops the queue.
            unit.after_commit(send_queued_mail)
            unit.on_rollback(lambda: g.pop("group_mail_queue", None))


def send_queued_mail() -> int:
    """Send the e-mails queued by `dispatch` (call after commit); returns how many went."""
    if not has_request_context():
        return 0
    queue = g.pop("group_mail_queue", [])
    sent = 0
    for address, message, link in queue:
        # Who reads an e-mail, and in which language, is not known: it says it in each.
        if isinstance(message, Message):
            text, subject = message.in_every_language("\n\n"), message.in_every_language(" / ")
        else:
            text = subject = message
        brand = _m("团友录").in_every_language(" / ")
        body = f"{text}\n\n{external_link(link)}\n"
        sent += mail.send_mail(address, f"[{brand}] {subject[:120]}", body)
    return sent


def moderator_ids(group: Group) -> list[int]:
    """Owner and moderators of a group (org admins moderate automatic groups too)."""
    return list(
        db.session.scalars(
            select(GroupMember.person_id).where(
                GroupMember.group_id == group.id,
                GroupMember.role.in_([MemberRole.OWNER, MemberRole.MODERATOR]),
            )
        )
    )
