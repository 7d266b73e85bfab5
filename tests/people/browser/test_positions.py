"""Career history in a real Chromium: in place with htmx, and as plain pages without JS."""

from __future__ import annotations

import re
from datetime import date

import pytest

from directory.extensions import db
from directory.people.models import Position
from tests.browser.actions import pick

pytestmark = pytest.mark.browser


def _rows(person_id: int) -> list[tuple]:
    db.session.expire_all()
    return [
        (p.organisation_id, p.title, p.start_date, p.end_date)
        for p in db.session.query(Position).filter_by(person_id=person_id).order_by(Position.id)
    ]


def test_positions_in_place_with_htmx(login_as, world, cadre):
    me = login_as(cadre)
    me.goto(f"/people/{cadre.id}")
    me.click("#position-new a")
    me.wait_for_selector("#position-new form")
    assert me.url.endswith(f"/people/{cadre.id}")  # swapped in place, no navigation
    # The one picker: typed as pinyin, taken from the suggestions with the keyboard.
    pick(me, "团组织", "nanchong", "共青团南充市委", within=me.locator("#position-new"))
    me.fill("#position-new input[name=title]", "兼职副书记")
    me.fill("#position-new input[name=start_date]", "2022-01-01")
    me.click("#position-new button[type=submit]")
    me.wait_for_selector("#positions li.position:has-text('兼职副书记')")
    assert _rows(cadre.id)[-1] == (world.city_org.id, "兼职副书记", date(2022, 1, 1), None)

    pid = db.session.query(Position).filter_by(title="兼职副书记").one().id
    row = f"#position-{pid}"
    me.click(f"{row} a:has-text('修改')")
    me.wait_for_selector(f"{row} form")
    me.fill(f"{row} input[name=end_date]", "2021-12-31")  # before the start
    me.click(f"{row} button[type=submit]")
    me.wait_for_selector(f"{row} .error:has-text('卸任日期不能早于开始日期')")
    me.fill(f"{row} input[name=end_date]", "2023-06-30")
    me.click(f"{row} button[type=submit]")
    me.wait_for_selector(f"{row}:has-text('曾任'):has-text('2023-06-30')")
    assert _rows(cadre.id)[-1][3] == date(2023, 6, 30)

    me.on("dialog", lambda dialog: dialog.accept())
    me.click(f"{row} button:has-text('删除')")
    me.wait_for_selector(row, state="detached")
    assert len(_rows(cadre.id)) == 1


def test_positions_without_javascript(login_as, world, cadre):
    me = login_as(cadre, java_script_enabled=False)
    me.goto(f"/people/{cadre.id}")
    me.click("#position-new a")
    me.wait_for_url(f"**/people/{cadre.id}/positions/new")
    # Without JavaScript there is no list: the name typed in full is enough.
    me.get_by_role("combobox", name="团组织").fill("共青团顺庆区委")
    me.fill("input[name=title]", "委员")
    me.fill("input[name=start_date]", "1949-05-01")
    me.click("main button[type=submit]")
    me.wait_for_selector("text=任职开始日期不能早于 1950 年")
    me.fill("input[name=start_date]", "2018-05-01")
    me.click("main button[type=submit]")
    me.wait_for_url(re.compile(rf"/people/{cadre.id}$"))
    # The cadre is no admin of the county committee: the post is a claim to confirm.
    assert "职务已提交，等待该组织管理员确认。" in me.inner_text("#flashes")
    assert "待确认" in me.inner_text("#positions")
    assert _rows(cadre.id)[-1] == (world.county_org.id, "委员", date(2018, 5, 1), None)

    first = db.session.query(Position).filter_by(title="书记").one().id
    me.click(f"#position-{first} a:has-text('卸任')")
    me.wait_for_url(f"**/positions/{first}/end")
    me.fill("input[name=end_date]", "2024-01-31")
    me.click("main button[type=submit]")
    me.wait_for_url(re.compile(rf"/people/{cadre.id}$"))
    assert "曾任" in me.inner_text(f"#position-{first}")
    assert _rows(cadre.id)[0][3] == date(2024, 1, 31)
