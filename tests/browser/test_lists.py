"""Saved lists in Chromium at phone and desktop size: an admin saves a search as a list,
edits it with the picker, sends a notice to it, and only the list's people receive it.

Acting through labels, roles and visible text; every page is checked for overflow, console
errors and axe-core violations (tests/browser/checks.py).
"""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from directory.core.enums import OrgLevel, Sector
from directory.extensions import db
from directory.notices.models import NoticeRecipient
from tests.browser.actions import go, pick
from tests.factories import make_org, make_person

SIZES = ["phone", "desktop"]
START = date(2021, 1, 1)


@pytest.mark.parametrize("size", SIZES)
def test_admin_saves_a_list_and_sends_a_notice_to_it(
    journey, world, org_admin, cadre, size
) -> None:
    school = make_org(
        "实验中学团委", world.street_region, world.street_org, OrgLevel.BRANCH, Sector.SCHOOL
    )
    wu = make_person(name="吴敏", positions=[(world.branch, "委员", START, None)])
    chen = make_person(name="陈红", positions=[(school, "书记", START, None)])
    liu = make_person(name="刘洋", positions=[(school, "委员", START, None)])

    admin = journey(org_admin, size)
    page = admin.page
    # A search saved as a list: the school's two cadres.
    go(page, "通讯录")
    box = page.get_by_role("main").get_by_role("searchbox")
    box.fill("实验中学")
    box.press("Enter")
    expect(page.locator("#search-total")).to_contain_text("共 2 人")
    admin.step("search results")
    page.get_by_role("link", name="保存为名单").click()
    page.get_by_label("名单名称").fill("实验中学团干部")
    admin.step("save the search")
    page.get_by_role("button", name="保存为名单").click()
    expect(page.locator("#flashes")).to_contain_text("已保存名单“实验中学团干部”，共 2 人")
    expect(page.get_by_role("heading", name="实验中学团干部")).to_be_visible()
    admin.step("list saved")
    # Add one with the picker (keyboard), take one off.
    pick(page, "要加入的人", "张彤", "张彤")
    page.get_by_role("button", name="加入名单").click()
    expect(page.locator("#flashes")).to_contain_text("已把 张彤 加入名单")
    page.get_by_role("button", name="把 刘洋 移出名单").click()
    expect(page.locator("#flashes")).to_contain_text("已移出名单")
    members = page.locator(".list-members")
    expect(members).to_contain_text("张彤")
    expect(members).to_contain_text("陈红")
    expect(members).not_to_contain_text("刘洋")
    admin.step("list edited")
    # A notice to the list (the list is chosen already).
    page.get_by_role("link", name="给这个名单发通知").click()
    chosen = page.get_by_label("只发给我的这个名单（可选）").locator("option:checked")
    expect(chosen).to_have_text("实验中学团干部（2 人）")
    page.get_by_label("标题").fill("请名单中的同志参加座谈")
    page.get_by_label("内容（支持 Markdown）").fill("周五下午三点，区委会议室。")
    admin.step("compose to the list")
    page.get_by_role("button", name="发出通知").click()
    expect(page.locator("#flashes")).to_contain_text("通知已发出")
    expect(page.get_by_text("只发给名单：实验中学团干部")).to_be_visible()
    admin.step("coverage of the list's notice")
    # The list deleted with its confirm step; the notice keeps the name.
    page.locator("nav.worknav").get_by_role("link", name="名单").click()
    page.get_by_role("link", name="实验中学团干部").click()
    page.get_by_role("button", name="删除名单").click()
    admin.step("delete: confirm step")
    page.get_by_role("button", name="确认删除名单“实验中学团干部”").click()
    expect(page.locator("#flashes")).to_contain_text("名单“实验中学团干部”已删除")
    expect(page.get_by_text("还没有名单")).to_be_visible()
    admin.step("list deleted")
    admin.finish()

    # Only the list's people received it; the reader finds it, the others do not.
    db.session.expire_all()
    received = {r.person_id for r in db.session.query(NoticeRecipient)}
    assert received == {cadre.id, chen.id}
    assert wu.id not in received and liu.id not in received
    reader = journey(chen, size)
    go(reader.page, "团务工作")
    expect(reader.page.get_by_role("link", name="请名单中的同志参加座谈")).to_be_visible()
    reader.step("the list's member has it")
    reader.finish()
    other = journey(liu, size)
    go(other.page, "团务工作")
    expect(other.page.get_by_text("还没有发给你的通知")).to_be_visible()
    other.step("taken off the list: nothing")
    other.finish()
