"""Journeys at phone and desktop size, acting only through labels, roles and visible text.

Every page a journey visits is checked (tests/browser/checks.py): no horizontal overflow at
390 px, no console error (CSP included), no serious or critical axe-core violation.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from directory.extensions import db
from tests.browser.actions import go, open_filters
from tests.conftest import PASSWORD

SIZES = ["phone", "desktop"]


@pytest.mark.parametrize("size", SIZES)
def test_sign_in(journey, cadre, size) -> None:
    j = journey(None, size)
    me = j.page
    me.goto("/")
    j.step("first visit")
    me.get_by_label("电子邮箱").fill(cadre.email)
    me.get_by_label("密码").fill(PASSWORD)
    me.get_by_role("button", name="登录").click()
    expect(me.get_by_role("heading", name=f"你好，{cadre.name}")).to_be_visible()
    j.step("signed in")
    j.finish()


@pytest.mark.parametrize("size", SIZES)
def test_edit_profile_and_privacy(journey, cadre, size) -> None:
    j = journey(cadre, size)
    me = j.page
    j.step("home")
    go(me, "我的资料")
    expect(me.get_by_role("heading", level=1)).to_contain_text(cadre.name)
    j.step("my profile")
    me.get_by_role("link", name="编辑资料").click()
    j.step("edit form")
    me.get_by_label("手机号码", exact=True).fill("13912345678")
    me.get_by_label("手机号码谁可见").select_option(label="仅管理员")
    me.get_by_role("button", name="保存").click()
    expect(me.locator("#flashes")).to_contain_text("资料已保存")
    j.step("saved")
    j.finish()


@pytest.mark.parametrize("size", SIZES)
def test_search_by_name_initials_and_region(journey, cadre, org_admin, outsider, size) -> None:
    j = journey(cadre, size)
    me = j.page
    go(me, "通讯录")
    j.step("search page")
    box = me.get_by_role("main").get_by_role("searchbox", name="搜索")
    box.fill("李明")
    expect(me.locator("#results").get_by_role("link", name="李明")).to_be_visible()
    j.step("by name")
    box.fill("zl")
    expect(me.locator("#results").get_by_role("link", name="赵丽")).to_be_visible()
    j.step("by initials")
    box.fill("")
    expect(me.locator("#results").get_by_role("link", name="赵丽")).to_be_visible()
    open_filters(me)
    me.locator("#search-filters").get_by_role("link", name="四川省").first.click()
    expect(me).to_have_url(re.compile(r"region=51\b"))
    open_filters(me)
    me.locator("#search-filters").get_by_role("link", name="南充市").first.click()
    expect(me).to_have_url(re.compile(r"region=5113\b"))
    expect(me.locator("#results").get_by_role("link", name="李明")).to_be_visible()
    expect(me.locator("#results").get_by_role("link", name="赵丽")).to_have_count(0)
    j.step("by region")
    j.finish()


@pytest.mark.parametrize("size", SIZES)
def test_group_post_reply_mention(journey, cadre, org_admin, size) -> None:
    owner = journey(cadre, size)
    me = owner.page
    go(me, "群组")
    owner.step("groups")
    me.get_by_role("link", name="创建群组").click()
    owner.step("new group form")
    me.get_by_label("群组名称").fill("南充青年工作群")
    me.get_by_label("简介").fill("南充市团干部交流")
    me.get_by_label("省级").select_option(label="四川省")
    me.get_by_label("地级").select_option(label="南充市")  # a city, not a numeric code
    owner.step("region picked")
    me.get_by_role("button", name="保存").click()
    expect(me.locator("#flashes")).to_contain_text("群组已创建")
    expect(me.get_by_role("main")).to_contain_text("南充市")
    owner.step("group created")
    me.get_by_role("link", name="发起话题").click()
    me.get_by_label("标题").fill("下周例会")
    body = me.get_by_label("内容（支持 Markdown）")
    body.click()
    body.press_sequentially("请 @liming")
    me.get_by_role("option", name="李明").click()
    body.press_sequentially(" 准备材料")
    owner.step("thread with mention")
    me.get_by_role("button", name="发布").click()
    expect(me.locator(".post-body").get_by_role("link", name="@李明")).to_be_visible()
    owner.step("thread posted")
    thread_url = me.url

    # 李明 is not a member: the thread says so and offers to join right there.
    other = journey(org_admin, size)
    you = other.page
    you.goto(thread_url)
    expect(you.get_by_text("加入群组后才能回复。")).to_be_visible()
    other.step("thread as non-member")
    you.get_by_role("main").get_by_role("button", name="加入群组").click()
    expect(you.locator("#flashes")).to_contain_text("已加入群组")
    other.step("joined from the thread")
    you.get_by_label("回复（支持 Markdown，输入 @ 提及他人）").fill("收到，我准备会议材料。")
    you.get_by_role("button", name="发表回复").click()
    expect(you.get_by_text("收到，我准备会议材料。")).to_be_visible()
    other.step("replied")
    owner.finish()
    other.finish()


@pytest.mark.parametrize("size", SIZES)
def test_admin_works_through_to_dos(app, journey, cadre, org_admin, outsider, world, size) -> None:
    """李明 approves a transfer out of his district and a request to join his group."""
    from directory.groups import membership
    from directory.groups.models import JoinPolicy
    from directory.groups.permissions import GroupAccess
    from directory.transfers import services as transfers
    from directory.transfers.models import TransferReason
    from tests.groups.conftest import make_group

    group = make_group(org_admin, name="顺庆团干部群", join_policy=JoinPolicy.REQUEST)
    with app.test_request_context("/"):
        transfers.submit(cadre, cadre, world.chengdu_org, TransferReason.JOB, "工作调动")
        membership.request_to_join(outsider, group, GroupAccess(outsider, group), "想学习经验")
        db.session.commit()

    j = journey(org_admin, size)
    me = j.page
    me.get_by_role("link", name="通知").click()
    expect(me.get_by_role("main")).to_contain_text("申请加入群组")
    j.step("notifications")
    go(me, "组织关系转接")
    j.step("transfers")
    me.get_by_role("link", name="共青团顺庆区委").click()
    j.step("dashboard")
    me.get_by_role("link", name="张彤").first.click()
    j.step("transfer")
    me.get_by_role("button", name="同意转出").click()
    expect(me.locator("#transfer-state")).to_have_text("待转入接收")
    j.step("approved out")
    me.goto("/groups/")
    me.get_by_role("link", name="顺庆团干部群").click()
    me.get_by_role("link", name="加入申请").click()
    j.step("join requests")
    me.locator(".request", has_text="赵丽").get_by_role("button", name="同意").click()
    expect(me.locator(".request", has_text="赵丽")).to_contain_text("已同意")
    j.step("request approved")
    j.finish()
