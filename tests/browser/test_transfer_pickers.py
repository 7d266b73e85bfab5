"""Issue 10: a transfer is started, approved and accepted by picking names, never ids.

Every picker is the one autocomplete (an ARIA combobox): the user types what they know
(a name, its pinyin, the organisation), moves through the suggestions with the arrow keys
and takes one with Enter. Without JavaScript the typed text is resolved by the server,
which offers a list to choose from when the text is ambiguous.
"""

from __future__ import annotations

import re
import time

import pytest
from flask import request
from playwright.sync_api import expect

from directory.core.enums import OrgLevel, Sector
from directory.extensions import db
from directory.people.models import Person
from directory.transfers.models import Transfer, TransferState
from tests.browser.actions import pick
from tests.factories import make_org, make_person

SIZES = ["phone", "desktop"]


@pytest.fixture
def chengdu(world):
    """The receiving side: two branches with the same name under the Chengdu committee."""
    first = make_org(
        "三合村团支部", world.chengdu, world.chengdu_org, OrgLevel.BRANCH, Sector.RURAL
    )
    second = make_org(
        "三合村团支部", world.chengdu, world.chengdu_org, OrgLevel.BRANCH, Sector.RURAL
    )
    school = make_org(
        "成都七中团支部", world.chengdu, world.chengdu_org, OrgLevel.BRANCH, Sector.SCHOOL
    )
    receiver = make_person(
        name="陈静", admin_of=[world.chengdu_org], membership_org_id=world.chengdu_org.id
    )
    db.session.commit()
    return {"first": first, "second": second, "school": school, "receiver": receiver}


@pytest.mark.parametrize("size", SIZES)
def test_admin_starts_from_profile_and_receiver_picks_branch(
    journey, world, cadre, org_admin, chengdu, size
) -> None:
    # 李明 (district admin) starts 张彤's transfer from her profile: she is already filled in.
    admin = journey(org_admin, size)
    me = admin.page
    me.goto(f"/people/{cadre.id}")
    me.get_by_role("link", name="发起转接").click()
    expect(me.get_by_role("combobox", name="成员")).to_have_value(re.compile("张彤"))
    admin.step("new transfer, member prefilled")
    pick(me, "转入团组织", "成都市", "共青团成都市委")
    admin.step("destination picked")
    me.get_by_label("转接原因").select_option(label="就业/工作调动")
    me.get_by_role("button", name="提交申请").click()
    me.wait_for_url(re.compile(r"/transfers/\d+$"))
    expect(me.locator("#transfer-state")).to_have_text("待转入接收")  # he approved it out
    admin.step("submitted")
    url = me.url

    # 陈静 accepts; typing the ambiguous branch name without picking offers the list.
    recv = journey(chengdu["receiver"], size)
    you = recv.page
    you.goto(url)
    branch = you.get_by_role("combobox", name="接收的团支部")
    branch.fill("三合村团支部")
    branch.press("Escape")
    you.get_by_role("button", name="接收转入").click()
    errors = you.get_by_text("有多个匹配，请从下面的列表中选择一个。")
    expect(errors).to_have_count(1)  # the error shows once
    recv.step("ambiguous branch")
    you.get_by_role("radio").nth(1).check()
    you.get_by_role("button", name="接收转入").click()
    expect(you.locator("#transfer-state")).to_have_text("已完成")
    recv.step("accepted")
    db.session.expire_all()
    assert db.session.get(Person, cadre.id).membership_org_id == chengdu["second"].id
    admin.finish()
    recv.finish()


@pytest.mark.parametrize("size", SIZES)
def test_admin_starts_from_roster_and_picks_member_by_pinyin(
    journey, world, cadre, org_admin, chengdu, size
) -> None:
    admin = journey(org_admin, size)
    me = admin.page
    me.goto(f"/orgs/{world.branch.id}")
    me.get_by_role("row", name=re.compile("张彤")).get_by_role("link", name="转接").click()
    expect(me.get_by_role("combobox", name="成员")).to_have_value(re.compile("张彤"))
    admin.step("from the roster")
    # He can also pick someone else by pinyin: 张彤 again, typed as "zhangt".
    pick(me, "成员", "zhangt", "张彤")
    pick(me, "转入团组织", "七中", "成都七中团支部")
    me.get_by_role("button", name="提交申请").click()
    me.wait_for_url(re.compile(r"/transfers/\d+$"))
    admin.step("submitted")
    t = db.session.query(Transfer).one()
    assert t.person_id == cadre.id and t.to_org_id == chengdu["school"].id
    admin.finish()


def test_member_without_javascript_types_names(login_as, world, cadre, chengdu) -> None:
    """No JavaScript: the text is resolved by the server; ambiguity offers a plain list."""
    me = login_as(cadre, java_script_enabled=False)
    me.goto("/transfers/new")
    me.get_by_role("combobox", name="转入团组织").fill("三合村团支部")
    me.get_by_role("button", name="提交申请").click()
    expect(me.get_by_text("有多个匹配，请从下面的列表中选择一个。")).to_have_count(1)
    me.get_by_role("radio").first.check()
    me.get_by_role("button", name="提交申请").click()
    me.wait_for_url(re.compile(r"/transfers/\d+$"))
    assert me.locator("#transfer-state").inner_text() == "待转出审批"
    t = db.session.query(Transfer).one()
    assert t.to_org_id == chengdu["first"].id and t.state == TransferState.SUBMITTED


def test_typing_slower_than_the_answers_logs_no_error(app, journey, world, org_admin) -> None:
    """Keys slower than the picker's pause, answers slower than the keys: each new question
    waits for the one on its way. With `hx-sync="this:replace"` the earlier request was
    aborted, and htmx logs an aborted request as a console error."""

    @app.before_request
    def _slow_suggestions() -> None:
        if request.path.endswith("-options"):
            time.sleep(0.6)

    admin = journey(org_admin, "phone")
    me = admin.page
    me.goto("/transfers/new")
    box = me.get_by_role("combobox", name="转入团组织")
    box.press_sequentially("chengdu", delay=350)
    listbox = me.get_by_role("listbox", name="转入团组织：候选项")
    expect(listbox.get_by_role("option").filter(has_text="共青团成都市委").first).to_be_visible()
    expect(me.locator(".htmx-request")).to_have_count(0)
    admin.step("suggestions after slow typing")
    admin.finish()
