"""The state machine through the services: each transition, who may take it, its trail."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from directory.core import time as clock
from directory.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from directory.core.signals import membership_changed, positions_changed
from directory.extensions import db
from directory.notifications.models import Notification
from directory.people.models import Person, Position
from directory.transfers import accepting
from directory.transfers import services as svc
from directory.transfers.models import TransferAction, TransferEvent, TransferReason, TransferState

S = TransferState


def _events(t):
    return [
        (e.action, e.from_state, e.to_state)
        for e in db.session.scalars(
            sa.select(TransferEvent)
            .where(TransferEvent.transfer_id == t.id)
            .order_by(TransferEvent.id)
        )
    ]


def test_full_cycle_moves_membership_and_writes_trail(cadre, org_admin, receiving, submitted):
    t = submitted
    assert t.state == S.SUBMITTED and t.from_org_id == cadre.membership_org_id
    svc.approve_out(org_admin, t.id, t.version, "同意")
    assert t.state == S.APPROVED_OUT
    seen = []
    membership_changed.connect(lambda s, **kw: seen.append(kw), weak=False)
    try:
        accepting.accept_in(receiving.admin, t.id, t.version)
    finally:
        membership_changed.receivers.clear()
    assert t.state == S.COMPLETED and t.completed_at is not None
    person = db.session.get(Person, cadre.id)
    assert person.membership_org_id == receiving.branch.id
    assert seen == [
        {"person_id": cadre.id, "old_org_id": t.from_org_id, "new_org_id": receiving.branch.id}
    ]
    assert _events(t) == [
        (TransferAction.SUBMIT, None, S.SUBMITTED),
        (TransferAction.APPROVE_OUT, S.SUBMITTED, S.APPROVED_OUT),
        (TransferAction.ACCEPT_IN, S.APPROVED_OUT, S.COMPLETED),
    ]
    # The member heard about each step taken by someone else.
    msgs = db.session.scalars(
        sa.select(Notification.message).where(Notification.person_id == cadre.id)
    ).all()
    assert len(msgs) == 2 and all("张彤" in m for m in msgs)


def test_only_the_sending_side_approves_out(cadre, outsider, receiving, submitted):
    for who in (cadre, receiving.admin, outsider):
        with pytest.raises((PermissionDenied, NotFound)):
            svc.approve_out(who, submitted.id, submitted.version)
    assert submitted.state == S.SUBMITTED
    assert len(_events(submitted)) == 1


def test_only_the_receiving_side_accepts_in(cadre, org_admin, receiving, submitted):
    svc.approve_out(org_admin, submitted.id, submitted.version)
    with pytest.raises(PermissionDenied):
        accepting.accept_in(org_admin, submitted.id, submitted.version)
    with pytest.raises(PermissionDenied):
        accepting.accept_in(cadre, submitted.id, submitted.version)
    assert submitted.state == S.APPROVED_OUT


def test_outsider_cannot_even_see_it(outsider, submitted):
    with pytest.raises(NotFound):
        svc.get_visible(outsider, submitted.id)
    with pytest.raises(NotFound):
        svc.withdraw(outsider, submitted.id, submitted.version)


def test_stale_version_is_already_handled(org_admin, submitted):
    v = submitted.version
    svc.approve_out(org_admin, submitted.id, v)
    with pytest.raises(Conflict) as err:
        svc.approve_out(org_admin, submitted.id, v)
    assert "已被处理" in err.value.message
    assert [e[0] for e in _events(submitted)].count(TransferAction.APPROVE_OUT) == 1


def test_cannot_skip_the_out_step(receiving, submitted):
    with pytest.raises(Conflict):
        accepting.accept_in(receiving.admin, submitted.id, submitted.version)
    assert submitted.state == S.SUBMITTED


def test_return_needs_reason_then_resubmit(cadre, org_admin, receiving, submitted):
    with pytest.raises(ValidationError):
        svc.return_(org_admin, submitted.id, submitted.version, "  ")
    assert submitted.state == S.SUBMITTED
    svc.return_(org_admin, submitted.id, submitted.version, "请补充说明")
    assert submitted.state == S.RETURNED and submitted.return_reason == "请补充说明"
    with pytest.raises(PermissionDenied):
        svc.resubmit(
            org_admin, submitted.id, submitted.version, receiving.branch, TransferReason.JOB
        )
    svc.resubmit(
        cadre, submitted.id, submitted.version, receiving.committee, TransferReason.STUDY, "补充"
    )
    assert submitted.state == S.SUBMITTED
    assert (
        submitted.to_org_id == receiving.committee.id and submitted.reason == TransferReason.STUDY
    )
    assert submitted.return_reason == ""


def test_receiver_returns_and_committee_must_assign_a_branch(cadre, org_admin, receiving):
    t = svc.submit(cadre, cadre, receiving.committee, TransferReason.JOB)
    svc.approve_out(org_admin, t.id, t.version)
    with pytest.raises(ValidationError) as err:
        accepting.accept_in(receiving.admin, t.id, t.version)
    assert err.value.field == "branch"
    assert t.state == S.APPROVED_OUT
    with pytest.raises(ValidationError):  # a branch outside the committee
        accepting.accept_in(receiving.admin, t.id, t.version, branch=cadre.membership_org)
    accepting.accept_in(receiving.admin, t.id, t.version, branch=receiving.branch)
    assert t.final_org_id == receiving.branch.id
    assert db.session.get(Person, cadre.id).membership_org_id == receiving.branch.id


def test_in_side_return(org_admin, receiving, submitted):
    svc.approve_out(org_admin, submitted.id, submitted.version)
    with pytest.raises(PermissionDenied):  # the out side no longer holds it
        svc.return_(org_admin, submitted.id, submitted.version, "不行")
    svc.return_(receiving.admin, submitted.id, submitted.version, "名额已满")
    assert submitted.state == S.RETURNED


def test_withdraw_only_by_requester_and_not_after_completion(
    cadre, org_admin, receiving, submitted
):
    with pytest.raises(PermissionDenied):
        svc.withdraw(org_admin, submitted.id, submitted.version)
    svc.withdraw(cadre, submitted.id, submitted.version)
    assert submitted.state == S.WITHDRAWN
    t = svc.submit(cadre, cadre, receiving.branch, TransferReason.JOB)  # a new one is allowed now
    svc.approve_out(org_admin, t.id, t.version)
    accepting.accept_in(receiving.admin, t.id, t.version)
    with pytest.raises(Conflict):
        svc.withdraw(cadre, t.id, t.version)


def test_admin_started_transfer_out_counts_as_out_approval(cadre, org_admin, receiving):
    t = svc.submit(org_admin, cadre, receiving.branch, TransferReason.GRADUATION)
    assert t.state == S.APPROVED_OUT and t.requested_by_id == org_admin.id
    assert [e[0] for e in _events(t)] == [TransferAction.SUBMIT, TransferAction.APPROVE_OUT]


def test_receiving_admin_requests_transfer_in(cadre, org_admin, receiving):
    t = svc.submit(receiving.admin, cadre, receiving.branch, TransferReason.JOB)
    assert t.state == S.SUBMITTED
    svc.approve_out(org_admin, t.id, t.version)
    accepting.accept_in(receiving.admin, t.id, t.version)
    assert t.state == S.COMPLETED


def test_refusals(cadre, outsider, world, receiving, submitted):
    with pytest.raises(Conflict):  # one open transfer per member
        svc.submit(cadre, cadre, world.city_org, TransferReason.JOB)
    with pytest.raises(PermissionDenied):  # nobody else starts one for you
        svc.submit(outsider, cadre, world.city_org, TransferReason.JOB)
    with pytest.raises(ValidationError):  # where one already is
        svc.submit(outsider, outsider, world.chengdu_org, TransferReason.JOB)
    world.city_org.dissolved_at = sa.func.now()
    db.session.commit()
    with pytest.raises(ValidationError):
        svc.submit(outsider, outsider, world.city_org, TransferReason.JOB)
    nobody = svc_person_without_membership()
    with pytest.raises(ValidationError):
        svc.submit(nobody, nobody, receiving.branch, TransferReason.JOB)


def svc_person_without_membership():
    from tests.factories import make_person

    return make_person(name="无组织")


def test_open_transfer_unique_in_database(cadre, receiving, submitted):
    from directory.transfers.models import Transfer

    dup = Transfer(
        person_id=cadre.id,
        from_org_id=submitted.from_org_id,
        to_org_id=receiving.committee.id,
        requested_by_id=cadre.id,
        reason=TransferReason.JOB,
        state=S.RETURNED,
        state_since=clock.now(),
    )
    db.session.add(dup)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_audit_rows_cannot_be_changed_or_deleted(submitted):
    with pytest.raises(sa.exc.DatabaseError):
        db.session.execute(sa.text("UPDATE transfer_event SET note = 'forged'"))
    db.session.rollback()
    with pytest.raises(sa.exc.DatabaseError):
        db.session.execute(sa.text("DELETE FROM transfer_event"))
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TransferEvent)) == 1


def test_completion_can_end_old_positions(cadre, org_admin, receiving, submitted):
    old_org = cadre.membership_org_id
    changed = []
    positions_changed.connect(lambda s, **kw: changed.append(kw), weak=False)
    try:
        svc.approve_out(org_admin, submitted.id, submitted.version)
        accepting.accept_in(receiving.admin, submitted.id, submitted.version, end_positions=True)
    finally:
        positions_changed.receivers.clear()
    pos = db.session.scalars(sa.select(Position).where(Position.person_id == cadre.id)).all()
    assert [(p.organisation_id, p.end_date) for p in pos] == [(old_org, clock.today())]
    assert changed == [{"person_id": cadre.id}]


def test_returned_request_can_be_withdrawn(cadre, org_admin, receiving, submitted):
    svc.return_(org_admin, submitted.id, submitted.version, "材料不全")
    svc.withdraw(cadre, submitted.id, submitted.version)
    assert submitted.state == S.WITHDRAWN
    assert svc.allowed_actions(cadre, submitted) == []
