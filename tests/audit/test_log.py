"""The audit log: rows join the caller's transaction, the database refuses edits, pruning."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import func, select

from directory.audit import record, services
from directory.audit.models import AuditEvent
from directory.core import time as clock
from directory.core.errors import ValidationError
from directory.core.uow import unit_of_work
from directory.extensions import db
from directory.people.models import Person
from tests.factories import World, make_person


def _count(action: str | None = None) -> int:
    stmt = select(func.count()).select_from(AuditEvent)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return db.session.scalar(stmt) or 0


def test_record_joins_the_callers_transaction(cadre: Person, org_admin: Person) -> None:
    with unit_of_work():
        record("roster.export", actor=org_admin, subject_person=cadre, details={"n": 1})
    row = db.session.scalars(select(AuditEvent)).one()
    assert (row.actor_name, row.subject_name, row.org_name) == ("李明", "张彤", "模范街社区团支部")
    assert row.org_path == cadre.membership_org.path
    assert row.details == {"n": 1}
    with pytest.raises(RuntimeError), unit_of_work():
        record("roster.export", actor=org_admin)
        raise RuntimeError("the caller fails")
    assert _count() == 1  # rolled back with the caller


def test_database_refuses_update_and_delete(cadre: Person) -> None:
    with unit_of_work():
        record("auth.sign_in", actor=cadre, subject_person=cadre)
    for sql in ("UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"):
        with pytest.raises(sa.exc.DatabaseError), db.engine.begin() as conn:
            conn.execute(sa.text(sql))
    db.session.rollback()
    assert _count("auth.sign_in") == 1


def _insert_at(at, action: str = "auth.sign_in") -> None:
    with db.engine.begin() as conn:
        conn.execute(
            AuditEvent.__table__.insert().values(
                at=at,
                action=action,
                actor_name="",
                subject_name="",
                org_name="",
                org_path="",
                details={},
            )
        )


def test_prune_deletes_only_past_the_retention_age(app: Flask, world: World) -> None:
    now = clock.now()
    _insert_at(now - timedelta(days=4 * 365), "old")
    _insert_at(now - timedelta(days=2 * 365), "recent")
    assert services.prune(3 * 365) == 1
    assert [e.action for e in db.session.scalars(select(AuditEvent))] == ["recent"]
    with pytest.raises(ValidationError):
        services.prune(30)  # below the floor the database enforces
    # The database itself refuses a young row even if the application asked.
    with pytest.raises(sa.exc.DatabaseError), db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_event"))


def test_prune_command(app: Flask, world: World) -> None:
    _insert_at(clock.now() - timedelta(days=5 * 365))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "prune"])
    assert result.exit_code == 0, result.output
    assert "1 audit entries" in result.output
    result = runner.invoke(args=["audit", "prune", "--days", "10"])
    assert result.exit_code != 0
    assert "1095" in result.output
    assert _count() == 0


def test_rows_survive_deleting_the_people_they_name(world: World) -> None:
    gone = make_person(name="临时", membership_org_id=world.branch.id)
    with unit_of_work():
        record("account.create", actor=gone, subject_person=gone)
    db.session.delete(gone)
    db.session.commit()
    row = db.session.scalars(select(AuditEvent)).one()
    assert (row.actor_name, row.subject_name, row.actor_id) == ("临时", "临时", gone.id)


def test_contact_reveal_is_kept_once_per_viewer_person_and_day(
    cadre: Person, outsider: Person
) -> None:
    for _ in range(3):
        services.contacts_revealed(outsider, cadre, ["phone"])
    services.contacts_revealed(cadre, cadre, ["phone"])  # one's own: nothing
    services.contacts_revealed(outsider, cadre, [])  # nothing shown: nothing
    assert _count("contact.reveal") == 1
