"""A whole transfer in Chromium: member, sending admin, receiving admin, with a return."""

from __future__ import annotations

import re

import pytest

from directory.core.enums import OrgLevel, Sector
from directory.extensions import db
from directory.people.models import Person
from directory.transfers.models import Transfer, TransferState
from tests.factories import make_org, make_person


def _state(page) -> str:
    return page.inner_text("#transfer-state")


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_three_users_full_cycle(login_as, world, cadre, org_admin, javascript):
    branch = make_org(
        "成都七中团支部", world.chengdu, world.chengdu_org, OrgLevel.BRANCH, Sector.SCHOOL
    )
    receiver = make_person(
        name="陈静", admin_of=[world.chengdu_org], membership_org_id=world.chengdu_org.id
    )
    opts = {"java_script_enabled": javascript}

    # 1. The member asks to move to the Chengdu city committee.
    member = login_as(cadre, **opts)
    member.goto("/transfers/")
    member.click("text=发起转接")
    member.wait_for_url("**/transfers/new")
    # Typed as the name the member knows (no id); with htmx this could also be picked.
    member.fill("input[name=destination_q]", "共青团成都市委")
    member.select_option("select[name=reason]", "job")
    member.fill("textarea[name=note]", "工作调动")
    member.click("#new-transfer button[type=submit]")
    member.wait_for_url(re.compile(r"/transfers/\d+$"))
    assert _state(member) == "待转出审批"
    url = member.url

    # 2. The sending side approves.
    sender = login_as(org_admin, **opts)
    sender.goto(url)
    sender.click("form.action-approve button")
    sender.wait_for_selector("#transfer-state:has-text('待转入接收')")

    # 3. The receiving side returns it with a reason.
    recv = login_as(receiver, **opts)
    recv.goto(url)
    recv.fill("form.action-return textarea[name=reason]", "请改为具体的团支部")
    recv.click("form.action-return button")
    recv.wait_for_selector("#transfer-state:has-text('已退回')")

    # 4. The member sees why, corrects the destination and resubmits.
    member.goto(url)
    assert "请改为具体的团支部" in member.inner_text("#transfer")
    member.fill("form.action-resubmit input[name=destination_q]", "成都七中团支部")
    member.click("form.action-resubmit button")
    member.wait_for_selector("#transfer-state:has-text('待转出审批')")

    # 5. Approved out again; 6. accepted in.
    sender.goto(url)
    sender.click("form.action-approve button")
    sender.wait_for_selector("#transfer-state:has-text('待转入接收')")
    recv.goto(url)
    recv.check("form.action-accept input[name=end_positions]")
    recv.click("form.action-accept button")
    recv.wait_for_selector("#transfer-state:has-text('已完成')")

    # The member sees the whole trail; the membership moved.
    member.goto(url)
    trail = member.inner_text(".timeline")
    for step in ("提交申请", "转出审批通过", "退回", "修改后重新提交", "转入接收"):
        assert step in trail
    db.session.expire_all()
    assert db.session.get(Person, cadre.id).membership_org_id == branch.id
    t = db.session.query(Transfer).one()
    assert t.state == TransferState.COMPLETED and len(t.events) == 6
