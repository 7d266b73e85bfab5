"""Issue 9, finding 13: "colleague" means vetted. Joining an open group makes nobody a
colleague for contact privacy; a group whose members were let in (by request, by
invitation) or an organisation group (confirmed posts) does."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from directory.core.enums import Visibility
from directory.extensions import db
from directory.groups.models import JoinPolicy, JoinRequest
from tests.factories import make_person
from tests.groups.conftest import make_group

PHONE = "13800138000"


@pytest.fixture
def shy_cadre(cadre):
    cadre.phone_visibility = Visibility.SHARED
    db.session.commit()
    return cadre


@pytest.fixture
def host(world):
    return make_person(name="群主", membership_org_id=world.chengdu_org.id)


def _sees_phone(client, auth, viewer, person) -> bool:
    auth.login(viewer)
    page = client.get(f"/people/{person.id}").get_data(as_text=True)
    listing = client.get("/people/?q=张彤").get_data(as_text=True)
    auth.logout()
    assert (PHONE in page) == (PHONE in listing), "profile and list must agree"
    return PHONE in page


def _join_by_request(client, auth, group, who, host) -> None:
    auth.login(who)
    assert client.post(f"/groups/{group.id}/request", data={"message": ""}).status_code == 303
    auth.logout()
    req_id = db.session.scalar(
        select(JoinRequest.id).where(
            JoinRequest.group_id == group.id, JoinRequest.person_id == who.id
        )
    )
    auth.login(host)
    r = client.post(f"/groups/{group.id}/requests/{req_id}", data={"decision": "approve"})
    assert r.status_code == 303
    auth.logout()


def test_open_group_co_members_are_not_colleagues(client, auth, shy_cadre, outsider, host):
    group = make_group(host, name="青年读书会", join_policy=JoinPolicy.OPEN)
    for who in (shy_cadre, outsider):
        auth.login(who)
        assert client.post(f"/groups/{group.id}/join").status_code == 303
        auth.logout()
    assert not _sees_phone(client, auth, outsider, shy_cadre)
    # Nor does the owner of an open group become everyone's colleague by their joining.
    assert not _sees_phone(client, auth, host, shy_cadre)


def test_by_request_group_members_are_colleagues(client, auth, shy_cadre, outsider, host):
    group = make_group(host, name="志愿服务协调群", join_policy=JoinPolicy.REQUEST)
    _join_by_request(client, auth, group, shy_cadre, host)
    assert not _sees_phone(client, auth, outsider, shy_cadre)
    _join_by_request(client, auth, group, outsider, host)
    assert _sees_phone(client, auth, outsider, shy_cadre)
    assert _sees_phone(client, auth, host, shy_cadre)


def test_an_open_joiner_is_not_vetted_by_a_vetted_member(client, auth, shy_cadre, outsider, host):
    # The cadre was let in while the group asked for requests; it is open now.
    group = make_group(host, name="曾经审核的群", join_policy=JoinPolicy.REQUEST)
    _join_by_request(client, auth, group, shy_cadre, host)
    group.join_policy = JoinPolicy.OPEN
    db.session.commit()
    auth.login(outsider)
    assert client.post(f"/groups/{group.id}/join").status_code == 303
    auth.logout()
    assert not _sees_phone(client, auth, outsider, shy_cadre)


def test_organisation_group_members_are_colleagues(client, auth, world, shy_cadre):
    confirmed = make_person(
        name="同支部",
        membership_org_id=world.chengdu_org.id,
        positions=[(world.branch, "委员", date(2023, 1, 1), None)],
    )
    assert _sees_phone(client, auth, confirmed, shy_cadre)
