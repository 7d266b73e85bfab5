"""Two approvals of the same step at the same moment: exactly one is applied (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from directory.core.errors import Conflict
from directory.extensions import db
from directory.people.models import Person
from directory.transfers import services as svc
from directory.transfers.models import TransferAction, TransferEvent, TransferState
from tests.conftest import PG_URL
from tests.factories import make_person

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (row locks between connections)"),
]


def _race(app, monkeypatch, actor_ids: list[int], transfer_id: int, version: int) -> list[str]:
    """Run approve_out in one thread per actor; both pass their checks before either UPDATEs."""
    barrier = threading.Barrier(len(actor_ids), timeout=10)
    original = svc.TRANSITIONS[TransferAction.APPROVE_OUT]

    def may_then_wait(viewer, t):  # type: ignore[no-untyped-def]
        ok = original.may(viewer, t)
        barrier.wait()  # both have read the row in state SUBMITTED and passed the checks
        return ok

    monkeypatch.setitem(
        svc.TRANSITIONS,
        TransferAction.APPROVE_OUT,
        svc.Transition(original.sources, original.target, may_then_wait),
    )
    results: list[str] = []

    def worker(actor_id: int) -> None:
        with app.test_request_context("/"):  # its own app context: own session, own connection
            actor = db.session.get(Person, actor_id)
            try:
                svc.approve_out(actor, transfer_id, version)
                results.append("applied")
            except Conflict as err:
                results.append("conflict:" + err.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(a,)) for a in actor_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_two_admins_approve_at_once(app, monkeypatch, org_admin, world, submitted):
    other = make_person(
        name="王芳", admin_of=[world.street_org], membership_org_id=world.street_org.id
    )
    tid, version = submitted.id, submitted.version
    db.session.commit()
    results = _race(app, monkeypatch, [org_admin.id, other.id], tid, version)
    assert sorted(r.split(":")[0] for r in results) == ["applied", "conflict"]
    assert any("已被处理" in r for r in results)
    db.session.expire_all()
    assert db.session.get(type(submitted), tid).state == TransferState.APPROVED_OUT
    actions = db.session.scalars(
        sa.select(TransferEvent.action).where(TransferEvent.transfer_id == tid)
    ).all()
    assert actions.count(TransferAction.APPROVE_OUT) == 1


def test_double_click_by_the_same_admin(app, monkeypatch, org_admin, submitted):
    tid, version = submitted.id, submitted.version
    db.session.commit()
    results = _race(app, monkeypatch, [org_admin.id, org_admin.id], tid, version)
    assert sorted(r.split(":")[0] for r in results) == ["applied", "conflict"]
    db.session.expire_all()
    assert db.session.get(type(submitted), tid).version == version + 1
