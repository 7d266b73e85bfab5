"""Liaison assignments: who assigns whom where, the gaps, the org and member views, visibility."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from directory.core.errors import Conflict, PermissionDenied, ValidationError
from directory.extensions import db
from directory.liaison import services
from directory.liaison.models import LiaisonAssignment


def test_assign_and_gaps(league):
    street = league.world.street_org
    cov = services.coverage(street)
    assert {r.org.id for r in cov.gaps} == {league.world.branch.id, league.branch2.id}
    row = services.assign(league.street_admin, street, league.street_member, league.world.branch)
    cov = services.coverage(street)
    assert [r.org.id for r in cov.gaps] == [league.branch2.id]
    assert cov.covered == 1
    with pytest.raises(Conflict):
        services.assign(league.street_admin, street, league.street_member, league.world.branch)
    services.end(league.street_admin, row)
    assert row.ended_at is not None and row.ended_by_id == league.street_admin.id
    assert len(services.coverage(street).gaps) == 2
    with pytest.raises(Conflict):
        services.end(league.street_admin, row)


def test_only_confirmed_committee_members_and_targets_below(league):
    street = league.world.street_org
    with pytest.raises(ValidationError):  # a branch cadre is not a committee member
        services.assign(league.street_admin, street, league.a, league.world.branch)
    with pytest.raises(ValidationError):  # outside the committee's subtree
        services.assign(league.street_admin, street, league.street_member, league.world.chengdu_org)
    with pytest.raises(PermissionDenied):  # not an admin of the committee
        services.assign(league.street_member, street, league.street_member, league.world.branch)
    with pytest.raises(PermissionDenied):  # a county is not a township committee
        services.assign(
            league.county_admin, league.world.county_org, league.county_admin, league.world.branch
        )
    assert db.session.scalar(select(func.count()).select_from(LiaisonAssignment)) == 0


def test_committee_page_assign_and_end(league, auth, client):
    street = league.world.street_org
    auth.login(league.street_admin)
    r = client.get(f"/liaison/{street.id}")
    assert r.status_code == 200 and "尚无联系人的团组织" in r.text and league.branch2.name in r.text
    r = client.post(
        f"/liaison/{street.id}/assign",
        data={"member": str(league.street_member.id), "target": str(league.world.branch.id)},
    )
    assert r.status_code == 303
    r = client.post(f"/liaison/{street.id}/assign", data={"member": "", "target": ""})
    assert r.status_code == 422
    r = client.post(
        f"/liaison/{street.id}/assign",
        data={"member": str(league.a.id), "target": str(league.world.branch.id)},
    )
    assert r.status_code == 422 and "只能安排本团委" in r.text
    row = db.session.scalar(select(LiaisonAssignment))
    # The branch page shows its liaison; the member's page their branch.
    assert league.street_member.name in client.get(f"/orgs/{league.world.branch.id}").text
    assert league.world.branch.name in client.get(f"/people/{league.street_member.id}").text
    auth.logout()
    auth.login(league.street_member)  # a member sees the map but cannot change it
    assert client.get(f"/liaison/{street.id}").status_code == 200
    assert client.post(f"/liaison/assignments/{row.id}/end").status_code == 403
    assert league.world.branch.name in client.get("/liaison/").text
    auth.logout()
    auth.login(league.outsider)
    assert client.get(f"/liaison/{street.id}").status_code == 403
    assert client.post(f"/liaison/assignments/{row.id}/end").status_code == 404
    page = client.get(f"/orgs/{league.world.branch.id}").text
    assert "定点联系" not in page  # an outsider does not see who keeps contact
    auth.logout()
    auth.login(league.street_admin)
    assert client.post(f"/liaison/assignments/{row.id}/end").status_code == 303
    assert client.get(f"/liaison/{league.world.branch.id}").status_code == 404  # not a committee


def test_changes_are_audited(league):
    from directory.audit.models import AuditEvent

    street = league.world.street_org
    row = services.assign(league.street_admin, street, league.street_member, league.world.branch)
    services.end(league.street_admin, row)
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    mine = [
        (e.action, e.actor_id, e.subject_person_id)
        for e in events
        if e.action.startswith("liaison.")
    ]
    assert mine == [
        ("liaison.assign", league.street_admin.id, league.street_member.id),
        ("liaison.end", league.street_admin.id, league.street_member.id),
    ]
