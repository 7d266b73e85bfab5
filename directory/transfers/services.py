"""Membership transfers: the one state machine (docs/TRANSFERS.md).

Every transition is one conditional UPDATE (`WHERE id AND state AND version`) whose
row count says whether this actor won, plus an audit row, in one transaction. The
loser of a race, a double click or a stale page gets `Conflict` and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import CursorResult, exists, select, update
from sqlalchemy.exc import IntegrityError

from directory.core import time as clock
from directory.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from directory.core.messages import _m
from directory.core.uow import UnitOfWork, unit_of_work
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.people.models import Person
from directory.transfers import notes
from directory.transfers import permissions as perms
from directory.transfers.models import (
    OPEN_STATES,
    Transfer,
    TransferAction,
    TransferEvent,
    TransferReason,
    TransferState,
)
from directory.transfers.notify import (
    acting_admin_ids,
    discard_mail,
    notify_step,
    send_queued_mail,
    tell,
    transfer_link,
)

A = TransferAction
S = TransferState
NOTE_MAX = 500


@dataclass(frozen=True)
class Transition:
    """An edge of the state machine: from which states, to which, and who may take it."""

    sources: tuple[TransferState, ...]
    target: TransferState
    may: Callable[[Person, Transfer], bool]


def _may_return(viewer: Person, t: Transfer) -> bool:
    # The side currently holding the request is the one that may send it back.
    if t.state == S.SUBMITTED:
        return perms.can_act_out(viewer, t)
    return perms.can_act_in(viewer, t)


TRANSITIONS: dict[TransferAction, Transition] = {
    A.APPROVE_OUT: Transition((S.SUBMITTED,), S.APPROVED_OUT, perms.can_act_out),
    A.ACCEPT_IN: Transition((S.APPROVED_OUT,), S.COMPLETED, perms.can_act_in),
    A.RETURN: Transition((S.SUBMITTED, S.APPROVED_OUT), S.RETURNED, _may_return),
    A.RESUBMIT: Transition((S.RETURNED,), S.SUBMITTED, perms.is_requester),
    A.WITHDRAW: Transition(OPEN_STATES, S.WITHDRAWN, perms.is_requester),
}


def allowed_actions(viewer: Person | None, t: Transfer) -> list[TransferAction]:
    """The actions `viewer` may take on `t` now (what the page offers)."""
    if viewer is None or not viewer.is_authenticated:
        return []
    return [a for a, tr in TRANSITIONS.items() if t.state in tr.sources and tr.may(viewer, t)]


def get_visible(viewer: Person, transfer_id: int) -> Transfer:
    """The transfer if `viewer` may see it; NotFound otherwise (ids cannot be probed)."""
    t = db.session.get(Transfer, transfer_id)
    if t is None or not perms.can_view_transfer(viewer, t):
        raise NotFound(_("转接申请不存在，或你无权查看。"))
    return t


def clean_note(note: str | None, *, required: bool = False, field: str = "note") -> str:
    """A trimmed note; refuses one that is too long (or empty when `required`)."""
    note = (note or "").strip()
    if required and not note:
        raise ValidationError(_("请填写退回理由。"), field=field)
    if len(note) > NOTE_MAX:
        raise ValidationError(_("内容太长（最多 %(n)d 个字）。", n=NOTE_MAX), field=field)
    return note


def check_destination(person: Person, to_org: Organisation) -> None:
    """Refuse a transfer that cannot be: not a member, same organisation, dissolved one."""
    if person.membership_org_id is None:
        raise ValidationError(
            _("%(name)s 没有组织关系，不能转接。", name=person.name), field="member"
        )
    if to_org.id == person.membership_org_id:
        raise ValidationError(
            _("%(name)s 的组织关系已在“%(org)s”。", name=person.name, org=to_org.name),
            field="destination",
        )
    if to_org.is_dissolved:
        raise ValidationError(_("团组织“%(name)s”已撤销。", name=to_org.name), field="destination")


def _record(t: Transfer, actor: Person | None, action, before, after, note, at) -> None:
    db.session.add(
        TransferEvent(
            transfer_id=t.id,
            actor_id=actor.id if actor else None,
            action=action,
            from_state=before,
            to_state=after,
            note=note,
            at=at,
        )
    )


def apply_transition(
    t: Transfer,
    actor: Person,
    action: TransferAction,
    version: int,
    audit_note: str,
    values: dict[str, object] | None = None,
) -> None:
    """The conditional UPDATE and its audit row (no commit); Conflict when someone was first."""
    tr = TRANSITIONS[action]
    if t.state not in tr.sources or t.version != version:
        raise Conflict(_("该转接已被处理（状态已变化），请刷新页面查看最新状态。"))
    if not tr.may(actor, t):
        raise PermissionDenied(_("你无权执行此操作。"))
    before, at = t.state, clock.now()
    result: CursorResult[Any] = db.session.execute(  # type: ignore[assignment]  # an UPDATE gives a CursorResult; Session.execute is typed Result
        update(Transfer)
        .where(Transfer.id == t.id, Transfer.state == before, Transfer.version == version)
        .values(
            state=tr.target, version=version + 1, state_since=at, reminded_at=None, **(values or {})
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(_("该转接已被处理（状态已变化），请刷新页面查看最新状态。"))
    _record(t, actor, action, before, tr.target, audit_note, at)
    db.session.flush()
    db.session.expire(t)


@contextmanager
def transfer_unit() -> Iterator[UnitOfWork]:
    """The unit of work of one transfer step: e-mail only after the commit, nothing on a
    refusal; a unique-index clash (a second open transfer) is a `Conflict`."""
    try:
        with unit_of_work() as uow:
            uow.after_commit(send_queued_mail)
            uow.on_rollback(discard_mail)
            yield uow
    except IntegrityError:
        raise Conflict(_("该成员已有一个进行中的转接。")) from None


def submit(
    actor: Person,
    person: Person,
    to_org: Organisation,
    reason: TransferReason,
    note: str = "",
) -> Transfer:
    """Start a transfer. When the requester administers the sending side, that is its 转出 approval."""

    def work() -> Transfer:
        t = create(actor, person, to_org, reason, note)
        notify_step(t, actor, t.state.message)
        return t

    with transfer_unit():
        return work()


def plan(
    actor: Person,
    person: Person,
    to_org: Organisation,
    reason: TransferReason,
    note: str,
    at: datetime,
    batch_id: int | None = None,
) -> tuple[Transfer, list[TransferEvent]]:
    """Check and build a new transfer with its audit rows, without touching the database.

    A new transfer is born `submitted`; when the requester administers the sending side,
    it is born `approved_out` with both audit rows (the out approval is part of the INSERT).
    """
    if not perms.can_start_transfer(actor, person, to_org):
        raise PermissionDenied(_("你只能为自己或你管理的团组织的成员发起转接。"))
    check_destination(person, to_org)
    note = clean_note(note)
    t = Transfer(
        person=person,
        from_org=person.membership_org,
        to_org=to_org,
        requested_by=actor,
        reason=reason,
        note=note,
        state=S.SUBMITTED,
        version=1,
        state_since=at,
        batch_id=batch_id,
    )
    events = [_event(t, actor, A.SUBMIT, None, S.SUBMITTED, note, at)]
    if perms.can_act_out(actor, t):
        t.state, t.version = S.APPROVED_OUT, 2
        auto = notes.AUTO_APPROVED  # stored untranslated, shown translated
        events.append(_event(t, actor, A.APPROVE_OUT, S.SUBMITTED, S.APPROVED_OUT, auto, at))
    return t, events


def _event(t, actor, action, before, after, note, at) -> TransferEvent:
    return TransferEvent(
        transfer=t, actor=actor, action=action, from_state=before, to_state=after, note=note, at=at
    )


def create(
    actor: Person,
    person: Person,
    to_org: Organisation,
    reason: TransferReason,
    note: str = "",
) -> Transfer:
    """Insert one transfer and its audit rows without committing."""
    t, events = plan(actor, person, to_org, reason, note, clock.now())
    busy = select(Transfer.id).where(
        Transfer.person_id == person.id, Transfer.state.in_(OPEN_STATES)
    )
    if db.session.scalar(select(exists(busy))):
        raise Conflict(_("%(name)s 已有一个进行中的转接。", name=person.name), field="member")
    db.session.add(t)
    db.session.add_all(events)
    db.session.flush()  # the partial unique index has the last word on "one open transfer"
    return t


def load_for_action(actor: Person, transfer_id: int) -> Transfer:
    """The transfer an action is about (NotFound when the actor may not see it)."""
    return get_visible(actor, transfer_id)


def approve_out(actor: Person, transfer_id: int, version: int, note: str = "") -> Transfer:
    """转出审批: the sending side lets the member go."""

    def work() -> Transfer:
        t = load_for_action(actor, transfer_id)
        apply_transition(t, actor, A.APPROVE_OUT, version, clean_note(note))
        notify_step(t, actor, _m("转出审批通过，等待转入接收"))
        return t

    with transfer_unit():
        return work()


def return_(actor: Person, transfer_id: int, version: int, reason: str) -> Transfer:
    """退回: the side holding the request sends it back to the requester, with a reason."""

    def work() -> Transfer:
        t = load_for_action(actor, transfer_id)
        text = clean_note(reason, required=True, field="reason")
        apply_transition(t, actor, A.RETURN, version, text, {"return_reason": text})
        notify_step(t, actor, _m("已退回：%(reason)s", reason=text))
        return t

    with transfer_unit():
        return work()


def withdraw(actor: Person, transfer_id: int, version: int, note: str = "") -> Transfer:
    """撤回: the requester cancels the request before completion."""

    def work() -> Transfer:
        t = load_for_action(actor, transfer_id)
        waiting = t.waiting_org
        apply_transition(t, actor, A.WITHDRAW, version, clean_note(note))
        ids = {t.person_id} | (set(acting_admin_ids(waiting)) if waiting else set())
        ids.discard(actor.id)
        message = _m("%(name)s 的组织关系转接已撤回。", name=t.person.name)
        tell(ids, "transfer", message, transfer_link(t.id))
        return t

    with transfer_unit():
        return work()


def resubmit(
    actor: Person,
    transfer_id: int,
    version: int,
    to_org: Organisation,
    reason: TransferReason,
    note: str = "",
) -> Transfer:
    """Correct a returned request and submit it again (it needs the 转出 approval again)."""

    def work() -> Transfer:
        t = load_for_action(actor, transfer_id)
        person = t.person
        if t.state == S.RETURNED:
            check_destination(person, to_org)
            if person.membership_org_id != t.from_org_id:
                raise Conflict(_("该成员的组织关系已在别处变更，请撤回后重新发起。"))
        text = clean_note(note)
        values = {"to_org_id": to_org.id, "reason": reason, "note": text, "return_reason": ""}
        apply_transition(t, actor, A.RESUBMIT, version, text, values)
        if perms.can_act_out(actor, t):
            apply_transition(t, actor, A.APPROVE_OUT, t.version, notes.AUTO_APPROVED)
        notify_step(t, actor, _m("已修改并重新提交"))
        return t

    with transfer_unit():
        return work()
