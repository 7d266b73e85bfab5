"""Who hears about a transfer step: in-app notices in the transaction, e-mail after it."""

from __future__ import annotations

from flask import current_app, g, url_for
from sqlalchemy import select

from directory.core.messages import Message, _m
from directory.extensions import db
from directory.notifications.services import notify
from directory.orgs.models import Organisation
from directory.people.models import OrgAdmin, Person
from directory.transfers.models import Transfer
from directory.web.links import external_link


def transfer_link(transfer_id: int) -> str:
    """The transfer page's path; works in requests and in CLI commands alike."""
    try:
        return url_for("transfers.show", transfer_id=transfer_id)
    except RuntimeError:
        return f"/transfers/{transfer_id}"


def acting_admin_ids(org: Organisation) -> list[int]:
    """Admins of `org`, or of its nearest ancestor that has any (who must act, who is reminded)."""
    rows = db.session.execute(
        select(OrgAdmin.organisation_id, OrgAdmin.person_id).where(
            OrgAdmin.organisation_id.in_(org.ancestor_ids)
        )
    ).all()
    for oid in reversed(org.ancestor_ids):
        found = [pid for o, pid in rows if o == oid]
        if found:
            return found
    return []


def tell(ids: set[int], kind: str, message: Message, link: str) -> None:
    """In-app notice now (same transaction); e-mail queued until the commit succeeds."""
    notify(ids, kind, message, link)
    if current_app.config.get("MAIL_ENABLED") and ids:
        g.setdefault("transfer_mail", []).append((set(ids), message, link))


def notify_step(t: Transfer, actor: Person | None, text: Message | str) -> None:
    """Tell the member, the requester and whoever must act next (not the actor)."""
    ids = {t.person_id, t.requested_by_id}
    waiting = t.waiting_org
    if waiting is not None:
        ids.update(acting_admin_ids(waiting))
    if actor is not None:
        ids.discard(actor.id)
    message = _m(
        "%(name)s 的组织关系转接（%(src)s → %(dst)s）：%(step)s",
        name=t.person.name,
        src=t.from_org.name,
        dst=t.to_org.name,
        step=text,
    )
    tell(ids, "transfer", message, transfer_link(t.id))


def discard_mail() -> None:
    """The transaction was rolled back: nothing happened, so nothing is mailed."""
    g.pop("transfer_mail", None)


def send_queued_mail() -> int:
    """After the commit: one e-mail per recipient (addresses are never shown to each other)."""
    queued = g.pop("transfer_mail", [])
    if not queued:
        return 0
    from directory.core.mail import send_mail

    ids = set().union(*(q[0] for q in queued))
    emails = dict(
        db.session.execute(select(Person.id, Person.email).where(Person.id.in_(ids))).all()
    )
    sent = 0
    # Who reads an e-mail, and in which language, is not known: it says it in each.
    subject = _m("组织关系转接通知").in_every_language(" / ")
    for recipients, message, link in queued:
        text = message.in_every_language("\n\n") if isinstance(message, Message) else message
        for pid in recipients:
            if pid in emails and send_mail(
                emails[pid], subject, f"{text}\n\n{external_link(link)}"
            ):
                sent += 1
    return sent
