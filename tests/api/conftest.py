"""Fixtures for the API tests: a small world with a group, a thread, a transfer, tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from flask import Flask

from directory.api import tokens
from directory.extensions import db
from directory.groups.models import GroupVisibility, JoinPolicy
from directory.notices import services as notices
from directory.notifications import services as notifications
from directory.people.models import Person
from directory.transfers import services as transfers
from directory.transfers.models import Transfer, TransferReason
from tests.factories import World, make_person
from tests.groups.conftest import make_group, make_thread


def make_token(
    app: Flask, person: Person, scopes: tuple[str, ...] = ("read",), days: int = 30
) -> str:
    """A fresh token of `person` (made through the service, as the settings page does)."""
    with app.test_request_context("/"):
        return tokens.create_token(person, "测试", list(scopes), days).secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@dataclass
class ApiWorld:
    world: World
    cadre: Person
    org_admin: Person
    admin: Person
    outsider: Person
    hidden_member: Person
    transfer: Transfer
    hidden_group_id: int
    public_group_id: int
    hidden_thread_id: int
    public_thread_id: int
    notice_id: int  # from the district (org_admin) to its cadres; a reply is required


@pytest.fixture
def api_world(
    app: Flask, world: World, cadre: Person, org_admin: Person, admin: Person, outsider: Person
) -> ApiWorld:
    hidden_member = make_person(
        name="秦风",
        membership_org_id=world.street_org.id,
        positions=[(world.street_org, "委员", date(2022, 1, 1), None)],
    )
    public = make_group(org_admin, "顺庆青年工作群", JoinPolicy.OPEN, GroupVisibility.PUBLIC)
    hidden = make_group(
        hidden_member, "秘密小组", JoinPolicy.INVITE, GroupVisibility.HIDDEN, members=()
    )
    public_thread = make_thread(org_admin, public, "工作交流", "大家好")
    hidden_thread = make_thread(hidden_member, hidden, "内部讨论", "只给成员看")
    with app.test_request_context("/"):
        t = transfers.submit(cadre, cadre, world.chengdu_org, TransferReason.JOB, "工作调动")
        notifications.notify([cadre.id], "test", "你好", "/")
        notice = notices.send(
            org_admin,
            world.county_org,
            "关于报送名册的通知",
            "请**按时**报送。",
            reply_required=True,
        )
    db.session.commit()
    return ApiWorld(
        world,
        cadre,
        org_admin,
        admin,
        outsider,
        hidden_member,
        t,
        hidden.id,
        public.id,
        hidden_thread.id,
        public_thread.id,
        notice.id,
    )
