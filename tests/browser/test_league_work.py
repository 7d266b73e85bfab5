"""League work in Chromium at phone and desktop size: notices, reports up the tree, liaisons.

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
from directory.notifications.models import Notification
from directory.reports.models import InfoReport, ReportStatus
from tests.browser.test_journeys import go
from tests.factories import make_org, make_person

SIZES = ["phone", "desktop"]
START = date(2021, 1, 1)


def _tab(page, label: str) -> None:
    page.locator("nav.worknav").get_by_role("link", name=label).click()


@pytest.mark.parametrize("size", SIZES)
def test_notice_read_coverage_and_reminder(journey, world, org_admin, cadre, size) -> None:
    school = make_org(
        "实验中学团委", world.street_region, world.street_org, OrgLevel.BRANCH, Sector.SCHOOL
    )
    second = make_person(name="吴敏", positions=[(world.branch, "委员", START, None)])
    make_person(name="陈红", positions=[(school, "书记", START, None)])
    make_person(name="刘洋", positions=[(school, "委员", START, None)])

    admin = journey(org_admin, size)
    page = admin.page
    go(page, "团务工作")
    admin.step("notices")
    page.get_by_role("link", name="发通知").click()
    admin.step("compose")
    page.get_by_label("标题").fill("关于开展团员教育评议的通知")
    page.get_by_label("内容（支持 Markdown）").fill("请于**月底前**完成评议。")
    page.get_by_label("需要回复").check()
    page.get_by_role("button", name="发出通知").click()
    expect(page.locator("#flashes")).to_contain_text("通知已发出")
    expect(page.get_by_role("heading", name="阅读情况")).to_be_visible()
    admin.step("sent: coverage")

    for person in (cadre, second):
        reader = journey(person, size)
        go(reader.page, "团务工作")
        reader.page.get_by_role("link", name="关于开展团员教育评议的通知").click()
        expect(
            reader.page.get_by_role("heading", name="关于开展团员教育评议的通知")
        ).to_be_visible()
        reader.step("read the notice")
        reader.finish()

    page.reload()
    totals = page.locator(".coverage-totals")
    expect(totals).to_contain_text("已读")
    admin.step("coverage after two reads")
    page.get_by_role("link", name="中城街道团工委").click()
    page.get_by_role("link", name="实验中学团委").click()
    unread = page.locator(".unread-list")
    expect(unread).to_contain_text("陈红")
    expect(unread).to_contain_text("刘洋")
    admin.step("drilled down to a branch")
    page.get_by_role("button", name="提醒未读的 2 人").click()
    expect(page.locator("#flashes")).to_contain_text("已提醒 2 位")
    admin.step("reminded")
    admin.finish()

    db.session.expire_all()
    read = db.session.query(NoticeRecipient).filter(NoticeRecipient.read_at.is_not(None)).count()
    assert read == 2
    assert db.session.query(Notification).filter_by(kind="notice_reminder").count() == 2


@pytest.mark.parametrize("size", SIZES)
def test_branch_reports_up_and_is_adopted(journey, world, cadre, size) -> None:
    street_admin = make_person(
        name="周强",
        membership_org_id=world.street_org.id,
        admin_of=[world.street_org],
        positions=[(world.street_org, "书记", START, None)],
    )
    me = journey(cadre, size)
    page = me.page
    go(page, "团务工作")
    _tab(page, "信息报送")
    me.step("reports")
    page.get_by_role("link", name="报送信息").click()
    page.get_by_label("标题").fill("社区开展青春护河志愿服务")
    page.get_by_label("内容").fill("组织团员青年 30 余人清理河道垃圾。")
    page.get_by_role("button", name="报送").click()
    expect(page.locator("#flashes")).to_contain_text("信息已报送")
    me.step("reported")
    me.finish()

    above = journey(street_admin, size)
    page = above.page
    go(page, "团务工作")
    _tab(page, "信息报送")
    page.get_by_role("link", name="社区开展青春护河志愿服务").click()
    above.step("incoming report")
    page.get_by_label("处理结果").select_option(label="采用")
    page.get_by_label("采用后继续向上级报送").check()
    page.get_by_label("上报按语（可选）").fill("基层实效突出，建议采用。")
    page.get_by_role("button", name="提交处理").click()
    expect(page.locator("#flashes")).to_contain_text("已采用并报送共青团顺庆区委")
    above.step("adopted and passed up")
    _tab(page, "信息报送")
    page.get_by_role("link", name="中城街道团工委 的报送统计").click()
    expect(page.locator("#stats-table")).to_contain_text("模范街社区团支部")
    above.step("statistics")
    above.finish()

    db.session.expire_all()
    statuses = sorted(r.status.value for r in db.session.query(InfoReport))
    assert statuses == [ReportStatus.ADOPTED.value, ReportStatus.SUBMITTED.value]


@pytest.mark.parametrize("size", SIZES)
def test_committee_assigns_liaisons_and_gaps_show(journey, world, size) -> None:
    school = make_org(
        "实验中学团委", world.street_region, world.street_org, OrgLevel.BRANCH, Sector.SCHOOL
    )
    street_admin = make_person(
        name="周强",
        membership_org_id=world.street_org.id,
        admin_of=[world.street_org],
        positions=[(world.street_org, "书记", START, None)],
    )
    make_person(name="孙悦", positions=[(world.street_org, "委员", START, None)])

    j = journey(street_admin, size)
    page = j.page
    go(page, "团务工作")
    _tab(page, "定点联系")
    page.get_by_role("link", name="中城街道团工委").click()
    gaps = page.locator(".gap-list")
    expect(gaps).to_contain_text("模范街社区团支部")
    expect(gaps).to_contain_text(school.name)
    j.step("committee with two gaps")
    page.get_by_label("委员", exact=True).select_option(label="孙悦")
    page.get_by_label("联系的团组织").select_option(label="模范街社区团支部")
    page.get_by_role("button", name="安排", exact=True).click()
    expect(page.locator("#flashes")).to_contain_text("已安排 孙悦 联系 模范街社区团支部")
    expect(page.locator(".gap-list")).not_to_contain_text("模范街社区团支部")
    expect(page.locator(".gap-list")).to_contain_text(school.name)
    j.step("one gap left")
    page.get_by_role("cell").get_by_role("link", name="模范街社区团支部").click()
    expect(page.locator("#liaison-h + p")).to_contain_text("孙悦")
    j.step("branch page shows its liaison")
    j.finish()
