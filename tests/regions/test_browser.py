"""The cascading picker and a merge in a real Chromium, with and without JavaScript."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.regions.models import Region
from tests.browser import conftest as browser_fixtures
from tests.factories import make_region

# Imported lazily: without Playwright the module is skipped, not a collection error.
expect = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed").expect

pytestmark = pytest.mark.browser

# The browser fixtures live in tests/browser/conftest.py; reuse them here (CSRF on).
app_config = browser_fixtures.app_config
browser = browser_fixtures.browser
live_server = browser_fixtures.live_server
new_context = browser_fixtures.new_context
login_as = browser_fixtures.login_as


def option_values(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(f"{selector} option", "els => els.map(e => e.value)")


def test_picker_cascades_with_htmx(login_as, cadre, world):
    make_region("5116", "广安市", world.sichuan)
    db.session.commit()
    me = login_as(cadre)
    me.goto("/regions/")
    me.select_option("#region-picker-0", "51")
    expect(me.locator("#region-picker-1 option")).to_have_count(4)
    assert option_values(me, "#region-picker-1") == ["", "5101", "5113", "5116"]
    me.select_option("#region-picker-1", "5113")
    expect(me.locator("#region-picker-2 option")).to_have_count(2)
    me.select_option("#region-picker-2", "511302")
    expect(me.locator("#region-picker-3 option")).to_have_count(2)
    assert option_values(me, "#region-picker-3") == ["", "511302001"]
    # Changing the city empties the levels below it.
    me.select_option("#region-picker-1", "5116")
    # Each level answers on its own: wait for both.
    expect(me.locator("#region-picker-3 option")).to_have_count(1)
    expect(me.locator("#region-picker-2 option")).to_have_count(1)
    me.select_option("#region-picker-1", "5113")
    expect(me.locator("#region-picker-2 option")).to_have_count(2)
    me.select_option("#region-picker-2", "511302")
    expect(me.locator("#region-picker-3 option")).to_have_count(2)
    me.select_option("#region-picker-3", "511302001")
    me.click("#region-jump button[type=submit]:not([name])")
    me.wait_for_url(re.compile(r"/regions/511302001$"))
    assert "中城街道" in me.inner_text("h1")
    assert "顺庆区" in me.inner_text(".breadcrumbs")


def test_picker_without_javascript(login_as, cadre, world):
    me = login_as(cadre, java_script_enabled=False)
    me.goto("/regions/")
    me.select_option("#region-picker-0", "51")
    me.click("button[name=region_picker_refine]")
    me.wait_for_url(re.compile(r"/regions/go\?"))
    assert option_values(me, "#region-picker-1") == ["", "5101", "5113"]
    me.select_option("#region-picker-1", "5113")
    me.click("#region-jump button[type=submit]:not([name])")
    me.wait_for_url(re.compile(r"/regions/5113$"))
    assert "南充市" in me.inner_text("h1")


def test_admin_merges_with_the_picker(login_as, admin, world):
    make_region("511303", "高坪区", world.nanchong)
    db.session.commit()
    me = login_as(admin)
    me.goto("/regions/511303")
    me.select_option("#target-picker-0", "51")
    expect(me.locator("#target-picker-1 option")).to_have_count(3)
    me.select_option("#target-picker-1", "5113")
    expect(me.locator("#target-picker-2 option")).to_have_count(3)
    me.select_option("#target-picker-2", "511302")
    me.check("input[name=confirm]")
    me.click("text=合并 >> nth=-1")
    me.wait_for_url(re.compile(r"/regions/511302$"))
    assert "已将“高坪区”并入“顺庆区”" in me.inner_text("#flashes")
    db.session.expire_all()
    assert db.session.scalar(select(Region).where(Region.code == "511303")) is None
