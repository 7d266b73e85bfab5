"""The statistics and audit pages in Chromium, at phone and desktop sizes: charts drawn by
the vendored ECharts under the CSP (no console errors), tables beside them, axe clean."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from directory.core.enums import CadreKind
from tests.factories import make_person

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_statistics_and_audit_as_an_org_admin(journey, world, cadre, org_admin, size) -> None:  # type: ignore[no-untyped-def]
    make_person(
        name="统计甲", membership_org_id=world.street_org.id, birth_year=1996,
        cadre_kind=CadreKind.PART_TIME,
        positions=[(world.street_org, "书记", date(2022, 1, 1), None)],
    )  # fmt: skip
    j = journey(org_admin, size)
    me = j.page
    me.goto("/rosters/")
    me.get_by_role("link", name="统计与数据质量").click()
    expect(me.get_by_role("heading", name="统计：共青团顺庆区委")).to_be_visible()
    expect(me.locator(".chart[data-table=table-kind] canvas")).to_have_count(1)
    expect(me.locator("#table-kind")).to_contain_text("兼职")
    expect(me.locator(".tilemap .tile")).to_have_count(2)
    j.step("statistics")
    me.get_by_role("link", name="没有书记的团组织").click()
    expect(me.get_by_role("heading", name="没有书记的团组织")).to_be_visible()
    expect(me.get_by_role("link", name="共青团顺庆区委", exact=True)).to_be_visible()
    j.step("quality list")
    me.goto("/audit/")
    expect(me.get_by_role("cell", name="登录").first).to_be_visible()
    me.get_by_label("操作", exact=True).select_option(label="登录")
    me.get_by_role("button", name="筛选").click()
    expect(me.get_by_role("cell", name="李明").first).to_be_visible()
    j.step("audit log")
    j.finish()
