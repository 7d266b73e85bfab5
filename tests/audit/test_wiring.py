"""Each audited step of other features writes its row in the same transaction."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy import select

from directory.audit.models import AuditEvent
from directory.core.enums import OrgLevel, PositionStatus, Sector
from directory.extensions import db
from directory.groups import services as groups
from directory.groups.models import GroupVisibility, JoinPolicy
from directory.people.models import Person, Position
from directory.transfers import services as transfers
from directory.transfers.models import TransferReason
from tests.factories import World, make_org, make_person


def _rows(action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


def test_sign_in_is_audited_and_failures_are_not(client, auth, cadre: Person) -> None:  # type: ignore[no-untyped-def]
    auth.login(cadre, "wrong-password")
    assert _rows("auth.sign_in") == []
    auth.login(cadre)
    [row] = _rows("auth.sign_in")
    assert row.actor_id == cadre.id and row.org_id == cadre.membership_org_id


def test_profile_with_contacts_is_audited_once_a_day(  # type: ignore[no-untyped-def]
    client, auth, cadre: Person, org_admin: Person, outsider: Person
) -> None:
    auth.login(org_admin)  # administers 张彤: sees her phone
    for _ in range(2):
        assert client.get(f"/people/{cadre.id}").status_code == 200
    [row] = _rows("contact.reveal")
    assert (row.actor_id, row.subject_person_id, row.details) == (
        org_admin.id,
        cadre.id,
        {"fields": ["email", "phone"]},
    )
    auth.logout()
    auth.login(outsider)  # shares nothing with her: sees no contact, nothing recorded
    client.get(f"/people/{cadre.id}")
    assert len(_rows("contact.reveal")) == 1


def test_permission_changes_are_audited(  # type: ignore[no-untyped-def]
    client, auth, world: World, org_admin: Person, cadre: Person, admin: Person
) -> None:
    auth.login(org_admin)
    picked = {"person": str(cadre.id), "person_q": cadre.name, "person_label": cadre.name}
    client.post(f"/orgs/{world.street_org.id}/admins", data=picked)
    client.post(f"/orgs/{world.street_org.id}/admins/{cadre.id}/remove")
    client.post(f"/admin/accounts/{cadre.id}/reset")
    auth.logout()
    auth.login(admin)
    client.post(f"/admin/accounts/{cadre.id}/admin", data={"admin": "1"})
    [added] = _rows("org.admin_add")
    assert (added.actor_name, added.subject_name, added.org_name) == (
        "李明",
        "张彤",
        "中城街道团工委",
    )
    assert len(_rows("account.reset")) == 1
    assert len(_rows("org.admin_remove")) == 1
    [grant] = _rows("account.admin_grant")
    assert (grant.actor_id, grant.subject_person_id) == (admin.id, cadre.id)


def test_claim_decisions_are_audited(client, auth, world: World, org_admin: Person) -> None:  # type: ignore[no-untyped-def]
    claimant = make_person(name="申报人", membership_org_id=world.branch.id)
    position = Position(
        person=claimant,
        organisation=world.branch,
        title="委员",
        start_date=date(2020, 1, 1),
        status=PositionStatus.PENDING,
    )
    db.session.add(position)
    db.session.commit()
    auth.login(org_admin)
    assert client.post(f"/people/claims/{position.id}/confirm").status_code == 303
    [row] = _rows("claim.confirm")
    assert row.subject_person_id == claimant.id and row.details["title"] == "委员"


def test_transfer_steps_are_audited(app: Flask, world: World, cadre: Person) -> None:
    branch = make_org(
        "成都七中团支部", world.chengdu, world.chengdu_org, OrgLevel.BRANCH, Sector.SCHOOL
    )
    with app.test_request_context("/"):
        t = transfers.submit(cadre, cadre, branch, TransferReason.JOB, "工作调动")
        transfers.withdraw(cadre, t.id, t.version)
    steps = [r.details["step"] for r in _rows("transfer")]
    assert steps == ["submit", "withdraw"]
    assert _rows("transfer")[0].org_id == world.branch.id  # the organisation it leaves


def test_moderation_is_audited(app: Flask, world: World, cadre: Person) -> None:
    other = make_person(name="群成员")
    with app.test_request_context("/"):
        group = groups.create_group(
            cadre,
            groups.GroupInput(
                name="审计群", join_policy=JoinPolicy.OPEN, visibility=GroupVisibility.PUBLIC
            ),
        )
        from directory.groups import membership, roles
        from directory.groups.permissions import GroupAccess

        membership._add_member(group, other.id, vetted=False)
        db.session.commit()
        roles.remove_member(
            cadre, group, GroupAccess(cadre, group), other.id, ban=True, reason="广告"
        )
    [ban] = _rows("group.ban")
    assert (ban.actor_id, ban.subject_person_id, ban.details["group"]) == (
        cadre.id,
        other.id,
        "审计群",
    )
    assert len(_rows("group.create")) == 1
