"""Issue 12 "done when": an admin imports the template with a mistake, sees the preview flag
the row, fixes it, imports with the progress bar, and finds the new people in search."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from directory.extensions import db
from directory.people.models import Person
from directory.rosters import importing
from directory.rosters.applying import apply_plan

pytestmark = pytest.mark.browser


@pytest.fixture
def queued_jobs(app_config: dict[str, object], tmp_path: Path) -> None:
    """The embedded queue (SqliteHuey, a consumer thread in the serving process), as deployed."""
    app_config["JOBS_BACKEND"] = "sqlite"
    app_config["JOBS_SQLITE_PATH"] = str(tmp_path / "jobs.sqlite")


@pytest.fixture
def slow_import(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hold the job at its first progress report long enough to see the bar move."""

    def slow(actor, plan, progress=None):  # type: ignore[no-untyped-def]
        if progress is not None:
            progress(1, len(plan.rows))
        time.sleep(2.5)
        return apply_plan(actor, plan, progress)

    monkeypatch.setattr(importing, "apply_plan", slow)


def _fill(template: Path, target: Path, phone: str) -> None:
    book = load_workbook(template)
    sheet = book["花名册"]
    sheet.append(
        [
            "欧阳青",
            "ouyangqing@example.org",
            "13500135000",
            "",
            "女",
            "1999",
            "共青团员",
            "兼职",
            "编制外",
            "模范街社区团支部",
            "宣传委员",
            "",
            "2024-03-01",
            "",
        ]
    )
    sheet.append(["司马远", "simayuan@example.org", phone, "", "男", "1997",
                  "中共党员", "专职", "编制内", "中城街道团工委", "副书记", "", "2023-06-01", ""])  # fmt: skip
    book.save(target)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_import_with_a_mistake_then_fixed(
    queued_jobs, slow_import, journey, world, org_admin, tmp_path, size
) -> None:  # type: ignore[no-untyped-def]
    j = journey(org_admin, size)
    me = j.page
    me.goto("/")
    me.get_by_role("link", name="花名册导入导出").click()
    j.step("the desk")
    me.get_by_role("link", name="导入花名册").last.click()
    with me.expect_download() as download:
        me.get_by_role("link", name="Excel 模板").click()
    template = tmp_path / "template.xlsx"
    download.value.save_as(template)
    j.step("upload page")

    wrong, right = tmp_path / "名单.xlsx", tmp_path / "名单-改.xlsx"
    _fill(template, wrong, phone="1350013")  # one digit group short: not a phone number
    me.get_by_label("花名册文件（.xlsx 或 .csv）").set_input_files(str(wrong))
    me.get_by_role("button", name="上传并预览").click()
    expect(me.get_by_role("heading", name="导入预览")).to_be_visible()
    row = me.get_by_role("row", name=re.compile("司马远"))
    expect(row).to_contain_text("有问题")
    expect(row).to_contain_text("手机号码“1350013”无效")
    expect(me.locator("#count-error")).to_have_text("1")
    expect(me.get_by_role("button", name="确认导入")).to_have_count(0)
    j.step("preview flags the row")

    _fill(template, right, phone="13500135001")
    me.get_by_role("link", name="重新上传").click()
    me.get_by_label("花名册文件（.xlsx 或 .csv）").set_input_files(str(right))
    me.get_by_role("button", name="上传并预览").click()
    expect(me.locator("#count-create")).to_have_text("2")
    expect(me.locator("#count-error")).to_have_text("0")
    j.step("preview is clean")
    me.get_by_role("button", name="确认导入").click()
    me.wait_for_url(re.compile(r"/jobs/\d+$"))
    bar = me.locator("progress")
    expect(bar).to_be_visible()
    expect(bar).to_have_attribute("max", "2")
    j.step("progress bar", axe=False)  # the bar is replaced while axe would read it
    result = me.get_by_role("link", name=re.compile("导入完成：新建 2 人"))
    expect(result).to_be_visible(timeout=15_000)
    j.step("done")
    result.click()
    me.wait_for_url(re.compile(r"/search/"))
    box = me.get_by_role("searchbox").first
    box.fill("司马远")
    box.press("Enter")
    expect(me.locator(".results")).to_contain_text("司马远")
    j.step("found in search")
    db.session.expire_all()
    found = db.session.query(Person).filter(Person.email == "simayuan@example.org").one()
    assert found.positions[0].recorded_by_id == org_admin.id
    j.finish()
