"""Transfers: completing one (转入接收), and the look-ups pages need around it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import joinedload

from directory.core import signals
from directory.core import time as clock
from directory.core.enums import OrgLevel
from directory.core.errors import Conflict, NotFound, ValidationError
from directory.core.messages import _m
from directory.core.numbers import reference_id
from directory.extensions import db
from directory.orgs.matching import find_orgs
from directory.orgs.models import Organisation
from directory.people.models import Person, Position
from directory.transfers.models import OPEN_STATES, Transfer, TransferAction, TransferState
from directory.transfers.notify import notify_step
from directory.transfers.services import (
    apply_transition,
    clean_note,
    load_for_action,
    transfer_unit,
)

A = TransferAction
S = TransferState
_PERSON_REF = re.compile(r"#(\d{1,12})\s*$")


def open_transfer(person_id: int) -> Transfer | None:
    """The person's transfer in progress, if any (at most one is open at a time)."""
    return db.session.scalar(
        select(Transfer).where(Transfer.person_id == person_id, Transfer.state.in_(OPEN_STATES))
    )


def open_transfer_ids(person_ids: Iterable[int]) -> set[int]:
    """Which of these people have a transfer in progress (the "转接中" marker; one query)."""
    ids = set(person_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(Transfer.person_id).where(
                Transfer.person_id.in_(ids), Transfer.state.in_(OPEN_STATES)
            )
        )
    )


def branches_under(org: Organisation, text: str = "", limit: int = 15) -> list[Organisation]:
    """Live branches below a committee matching `text` (name, pinyin, initials or path:
    where a member may go); all of them, by name, for an empty text."""
    stmt = select(Organisation).where(
        Organisation.path.startswith(org.path),
        Organisation.id != org.id,
        Organisation.level == OrgLevel.BRANCH,
        Organisation.dissolved_at.is_(None),
    )
    if text.strip():
        return find_orgs(text, limit=limit, under=org, level=OrgLevel.BRANCH)
    return list(db.session.scalars(stmt.order_by(Organisation.name).limit(limit)))


def needs_branch(org: Organisation) -> bool:
    """True when `org` is a committee with live branches: accepting must name one."""
    if org.level == OrgLevel.BRANCH:
        return False
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Organisation.path.startswith(org.path),
                    Organisation.id != org.id,
                    Organisation.level == OrgLevel.BRANCH,
                    Organisation.dissolved_at.is_(None),
                )
            )
        )
    )


def _final_org(t: Transfer, branch: Organisation | None) -> Organisation:
    to_org = t.to_org
    if to_org.is_dissolved:
        raise ValidationError(_("团组织“%(name)s”已撤销。", name=to_org.name), field="branch")
    if branch is None:
        if needs_branch(to_org):
            raise ValidationError(
                _("“%(name)s”不是团支部，请指定接收的团支部。", name=to_org.name), field="branch"
            )
        return to_org
    if (
        branch.level != OrgLevel.BRANCH
        or branch.is_dissolved
        or not branch.path.startswith(to_org.path)
    ):
        raise ValidationError(
            _("请从“%(name)s”下属的团支部中选择。", name=to_org.name), field="branch"
        )
    return branch


def accept_in(
    actor: Person,
    transfer_id: int,
    version: int,
    branch: Organisation | None = None,
    end_positions: bool = False,
    note: str = "",
) -> Transfer:
    """转入接收: the receiving side accepts; the membership moves in the same transaction."""

    def work() -> Transfer:
        t = load_for_action(actor, transfer_id)
        final = _final_org(t, branch) if t.state == S.APPROVED_OUT else t.to_org
        person, old_org_id = t.person, t.from_org_id
        at = clock.now()
        apply_transition(
            t,
            actor,
            A.ACCEPT_IN,
            version,
            clean_note(note),
            {"final_org_id": final.id, "completed_at": at, "end_positions": end_positions},
        )
        if person.membership_org_id != old_org_id:
            raise Conflict(_("该成员的组织关系已在别处变更，无法完成转接。"))
        person.membership_org_id = final.id
        if end_positions:
            _end_positions(person, old_org_id, at.date())
        db.session.flush()
        signals.membership_changed.send(
            None, person_id=person.id, old_org_id=old_org_id, new_org_id=final.id
        )
        notify_step(t, actor, _m("转入接收完成，组织关系已转至“%(org)s”", org=final.name))
        return t

    with transfer_unit():
        return work()


def _end_positions(person: Person, org_id: int, today: date) -> None:
    ended = False
    for pos in db.session.scalars(
        select(Position).where(
            Position.person_id == person.id,
            Position.organisation_id == org_id,
            Position.end_date.is_(None),
        )
    ):
        pos.end_date = max(today, pos.start_date)
        ended = True
    if ended:
        db.session.flush()
        signals.positions_changed.send(None, person_id=person.id)


def resolve_person(text: str) -> Person:
    """A person from "姓名 #编号", a bare id or an e-mail address."""
    text = (text or "").strip()
    m = _PERSON_REF.search(text)
    person: Person | None = None
    person_id = reference_id(text)
    if m or person_id is not None:
        person = db.session.get(Person, person_id) if person_id is not None else None
    elif "@" in text:
        person = db.session.scalar(select(Person).where(Person.email == text.lower()))
    if person is None:
        raise NotFound(
            _("找不到成员：%(m)s（请填写邮箱或“姓名 #编号”）", m=text[:60]), field="member"
        )
    return person


@dataclass
class RosterMarkers:
    """What an organisation's roster shows about transfers."""

    in_transfer: set[int]
    incoming: list[Transfer]


def roster_markers(org_id: int, person_ids: Iterable[int]) -> RosterMarkers:
    """Which roster members are 转接中, and who is on the way in (one query)."""
    ids = set(person_ids)
    arriving = and_(Transfer.to_org_id == org_id, Transfer.state.in_((S.SUBMITTED, S.APPROVED_OUT)))
    cond = or_(Transfer.person_id.in_(ids), arriving) if ids else arriving
    rows = db.session.scalars(
        select(Transfer)
        .options(joinedload(Transfer.person), joinedload(Transfer.from_org))
        .where(Transfer.state.in_(OPEN_STATES), cond)
        .order_by(Transfer.id)
        .limit(len(ids) + 200)
    ).all()
    return RosterMarkers(
        in_transfer={t.person_id for t in rows if t.person_id in ids},
        incoming=[t for t in rows if t.to_org_id == org_id and t.person_id not in ids],
    )
