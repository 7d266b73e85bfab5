"""Issue 9, finding 1: a self-declared position is a claim that grants nothing until an
admin of its organisation (or above) confirms it; a rejected one stays out, reason kept."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from directory.core.enums import PositionStatus, Visibility
from directory.extensions import db
from directory.groups.models import Group, GroupMember
from directory.groups.org_groups import sync_person_org_groups
from directory.notifications.models import Notification
from directory.people.models import Position
from directory.search.documents import PersonDocuments
from tests.factories import make_person
from tests.people.conftest import picked

PHONE = "13800138000"


def _claim(client, who, org, title="书记", **extra) -> int:
    data = {
        **picked(org),
        "title": title,
        "start_date": "2015-01-01",
        "end_date": "",
        **extra,
    }
    r = client.post(f"/people/{who.id}/positions/new", data=data)
    assert r.status_code == 303, r.get_data(as_text=True)
    return db.session.scalar(select(func.max(Position.id)).where(Position.person_id == who.id))  # type: ignore[return-value]


def _in_org_group(person_id: int, org_id: int) -> bool:
    return bool(
        db.session.scalar(
            select(func.count())
            .select_from(GroupMember)
            .join(Group, Group.id == GroupMember.group_id)
            .where(Group.auto_org_id == org_id, GroupMember.person_id == person_id)
        )
    )


def _indexed_in_org(person_id: int, org_id: int) -> bool:
    doc = PersonDocuments().load(db.session, {person_id})[person_id]
    return str(org_id) in doc.filters.get("org_cur", set())


@pytest.fixture
def shy_cadre(cadre):
    """The branch secretary shows her phone only to people who share something with her."""
    cadre.phone_visibility = Visibility.SHARED
    db.session.commit()
    return cadre


def _grants(client, auth, world, claimant, shy_cadre) -> dict[str, bool]:
    """Everything a post in the branch would give the claimant, seen from outside."""
    db.session.expire_all()
    auth.login(claimant)
    profile = client.get(f"/people/{shy_cadre.id}").get_data(as_text=True)
    auth.logout()
    auth.login(shy_cadre)
    org_page = client.get(f"/orgs/{world.branch.id}").get_data(as_text=True)
    their_profile = client.get(f"/people/{claimant.id}").get_data(as_text=True)
    auth.logout()
    return {
        "group": _in_org_group(claimant.id, world.branch.id),
        "contact": PHONE in profile,
        "listed": claimant.name in org_page,
        "on_profile": "模范街社区团支部" in their_profile,
        "search": _indexed_in_org(claimant.id, world.branch.id),
    }


def test_claim_grants_nothing_until_confirmed(client, auth, world, shy_cadre, outsider, org_admin):
    auth.login(outsider)
    pos_id = _claim(client, outsider, world.branch)
    own = client.get(f"/people/{outsider.id}").get_data(as_text=True)
    assert "模范街社区团支部" in own and "待确认" in own
    auth.logout()
    assert db.session.get(Position, pos_id).status == PositionStatus.PENDING
    assert _grants(client, auth, world, outsider, shy_cadre) == dict.fromkeys(
        ("group", "contact", "listed", "on_profile", "search"), False
    )

    # The county admin (above the branch) is told and finds the claim in the queue.
    note = db.session.scalar(
        select(Notification).where(
            Notification.person_id == org_admin.id, Notification.kind == "position_claim"
        )
    )
    assert note is not None and outsider.name in note.message and note.link == "/people/claims"
    auth.login(org_admin)
    queue = client.get("/people/claims")
    assert queue.status_code == 200
    html = queue.get_data(as_text=True)
    assert f'id="claim-{pos_id}"' in html and outsider.name in html
    r = client.post(f"/people/claims/{pos_id}/confirm", headers={"HX-Request": "true"})
    assert r.status_code == 200 and "已确认" in r.get_data(as_text=True)
    auth.logout()

    position = db.session.get(Position, pos_id)
    db.session.refresh(position)
    assert position.status == PositionStatus.CONFIRMED
    assert position.reviewed_by_id == org_admin.id and position.reviewed_at is not None
    assert _grants(client, auth, world, outsider, shy_cadre) == dict.fromkeys(
        ("group", "contact", "listed", "on_profile", "search"), True
    )


def test_rejected_claim_stays_out_with_its_reason(
    client, auth, world, shy_cadre, outsider, org_admin
):
    auth.login(outsider)
    pos_id = _claim(client, outsider, world.branch, end_date="2016-12-31")
    auth.logout()
    auth.login(org_admin)
    # Without JavaScript: the form page, an empty reason refused, then a real one.
    assert client.get(f"/people/claims/{pos_id}/reject").status_code == 200
    empty = client.post(f"/people/claims/{pos_id}/reject", data={"reason": " "})
    assert empty.status_code == 422
    r = client.post(f"/people/claims/{pos_id}/reject", data={"reason": "查无此任职记录"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/people/claims")
    # Decided once only.
    assert client.post(f"/people/claims/{pos_id}/confirm").status_code == 409
    assert "没有待确认的职务" in client.get("/people/claims").get_data(as_text=True)
    auth.logout()

    position = db.session.get(Position, pos_id)
    db.session.refresh(position)
    assert position.status == PositionStatus.REJECTED
    assert position.review_note == "查无此任职记录"
    grants = _grants(client, auth, world, outsider, shy_cadre)
    assert not any(grants.values()), grants
    auth.login(outsider)
    own = client.get(f"/people/{outsider.id}").get_data(as_text=True)
    assert "未通过" in own and "查无此任职记录" in own


def test_only_admins_of_the_claimed_org_or_above_decide(
    client, auth, world, outsider, cadre, org_admin
):
    auth.login(outsider)
    pos_id = _claim(client, outsider, world.city_org)  # above the county admin
    auth.logout()
    for person in (cadre, org_admin):
        auth.login(person)
        assert client.post(f"/people/claims/{pos_id}/confirm").status_code == 404
        assert f"claim-{pos_id}" not in client.get("/people/claims").get_data(as_text=True)
        auth.logout()
    auth.login(cadre)
    assert client.get("/people/claims").status_code == 403
    assert db.session.get(Position, pos_id).status == PositionStatus.PENDING


def test_admin_of_the_org_records_confirmed_posts(client, auth, world, org_admin, outsider):
    auth.login(org_admin)
    pos_id = _claim(client, org_admin, world.branch, title="委员")
    position = db.session.get(Position, pos_id)
    assert position.status == PositionStatus.CONFIRMED
    assert position.recorded_by_id == org_admin.id == position.reviewed_by_id
    assert _in_org_group(org_admin.id, world.branch.id)


def test_editing_a_confirmed_post_into_another_org_is_a_claim_again(
    client, auth, world, cadre, outsider
):
    position = cadre.positions[0]
    assert position.status == PositionStatus.CONFIRMED
    auth.login(cadre)
    data = {
        **picked(world.chengdu_org),
        "title": "书记",
        "start_date": "2021-03-01",
        "end_date": "",
    }
    r = client.post(f"/people/{cadre.id}/positions/{position.id}/edit", data=data)
    assert r.status_code == 303
    db.session.refresh(position)
    assert position.status == PositionStatus.PENDING
    assert not _in_org_group(cadre.id, world.chengdu_org.id)
    assert not _in_org_group(cadre.id, world.branch.id)


def test_ending_own_post_keeps_it_confirmed(client, auth, cadre):
    position = cadre.positions[0]
    auth.login(cadre)
    r = client.post(
        f"/people/{cadre.id}/positions/{position.id}/end", data={"end_date": "2024-01-01"}
    )
    assert r.status_code == 303
    db.session.refresh(position)
    assert position.status == PositionStatus.CONFIRMED and position.end_date == date(2024, 1, 1)


def test_org_admin_ends_or_removes_a_post_in_their_subtree(client, auth, world, org_admin):
    # A Chengdu member the county admin does not administer, with a (confirmed) post here.
    stranger = make_person(
        name="周敏",
        membership_org_id=world.chengdu_org.id,
        positions=[(world.branch, "书记", date(2020, 1, 1), None)],
    )
    position = stranger.positions[0]
    sync_person_org_groups(stranger.id)  # factories write rows without the signals
    db.session.commit()
    assert _in_org_group(stranger.id, world.branch.id)
    auth.login(org_admin)
    assert client.get(f"/people/{stranger.id}/edit").status_code == 403
    page = client.get(f"/people/{stranger.id}").get_data(as_text=True)
    assert f"/people/{stranger.id}/positions/{position.id}/end" in page
    r = client.post(
        f"/people/{stranger.id}/positions/{position.id}/end", data={"end_date": "2024-01-01"}
    )
    assert r.status_code == 303
    assert not _in_org_group(stranger.id, world.branch.id)
    r = client.post(f"/people/{stranger.id}/positions/{position.id}/delete")
    assert r.status_code == 303
    assert db.session.get(Position, position.id) is None


def test_open_claims_are_capped(app, client, auth, world, outsider):
    cap = app.config["POSITION_PENDING_CAP"]
    auth.login(outsider)
    for i in range(cap):
        _claim(client, outsider, world.branch, title=f"委员{i}")
    data = {
        **picked(world.branch),
        "title": "又一个",
        "start_date": "2015-01-01",
        "end_date": "",
    }
    r = client.post(f"/people/{outsider.id}/positions/new", data=data)
    assert r.status_code == 422
    assert "待确认的职务" in r.get_data(as_text=True)
    pending = db.session.scalar(
        select(func.count()).where(
            Position.person_id == outsider.id, Position.status == PositionStatus.PENDING
        )
    )
    assert pending == cap


@pytest.fixture
def limited(app_config):
    app_config.update(
        RATELIMIT_ENABLED=True,
        RATELIMIT_KEY_PREFIX=f"p-{uuid.uuid4().hex}",
        POSITION_CLAIM_RATE_LIMIT="2 per minute",
    )
    return app_config


def test_position_claims_are_rate_limited(limited, client, auth, world, outsider):
    auth.login(outsider)
    data = {
        **picked(world.branch),
        "title": "委员",
        "start_date": "2015-01-01",
        "end_date": "2015-02-01",
    }
    codes = [
        client.post(f"/people/{outsider.id}/positions/new", data=data).status_code for _ in range(3)
    ]
    assert codes == [303, 303, 429]
    # Reading the form is not limited.
    assert client.get(f"/people/{outsider.id}/positions/new").status_code == 200


def test_org_admin_removes_a_person_from_the_org_group(client, auth, world, org_admin, cadre):
    stranger = make_person(
        name="吴刚",
        membership_org_id=world.chengdu_org.id,
        positions=[(world.branch, "委员", date(2020, 1, 1), None)],
    )
    sync_person_org_groups(stranger.id)
    db.session.commit()
    group_id = db.session.scalar(select(Group.id).where(Group.auto_org_id == world.branch.id))
    url = f"/groups/{group_id}/members/{stranger.id}/remove"
    # A fellow member who is no admin of the branch cannot; the county admin can.
    auth.login(cadre)
    assert client.post(url, data={"reason": ""}).status_code == 403
    auth.logout()
    assert _in_org_group(stranger.id, world.branch.id)
    auth.login(org_admin)
    assert client.post(url, data={"reason": "已调离"}).status_code == 303
    assert not _in_org_group(stranger.id, world.branch.id)
    db.session.expire_all()
    ended = db.session.scalar(select(Position).where(Position.person_id == stranger.id))
    assert ended.end_date is not None and ended.grants_access


def test_org_admin_of_the_post_cannot_rewrite_it(client, auth, world, org_admin):
    stranger = make_person(
        name="郑华",
        membership_org_id=world.chengdu_org.id,
        positions=[(world.branch, "书记", date(2020, 1, 1), None)],
    )
    position = stranger.positions[0]
    auth.login(org_admin)
    url = f"/people/{stranger.id}/positions/{position.id}/edit"
    assert client.get(url).status_code == 403
    data = {
        **picked(world.branch),
        "title": "委员",
        "start_date": "2020-01-01",
        "end_date": "",
    }
    assert client.post(url, data=data).status_code == 403
    db.session.refresh(position)
    assert position.title == "书记"
