"""The organisation tree in a real browser, with htmx and without JavaScript."""

from __future__ import annotations

import re

import pytest

from directory.extensions import db
from directory.orgs.models import Organisation
from tests.browser.conftest import (  # noqa: F401 - fixtures shared with tests/browser
    app_config,
    browser,
    live_server,
    login_as,
    new_context,
)

pytestmark = pytest.mark.browser


def _expand(page, name: str) -> None:
    """Open the tree node of `name` (with JavaScript: htmx loads its children)."""
    summary = page.locator("summary", has=page.locator(f"a:text-is('{name}')"))
    summary.locator("small").click()


def _pick_region(page, codes: list[str], javascript: bool) -> None:
    for i, code in enumerate(codes):
        select = page.locator("select[name=region_code]").nth(i)
        if javascript:
            select.locator(f"option[value='{code}']").wait_for(state="attached")
        select.select_option(code)
        if not javascript and i < len(codes) - 1:
            with page.expect_navigation():
                page.click("button[name=region_picker_refine]")


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_browse_the_tree_and_create_a_child(login_as, world, org_admin, javascript):  # noqa: F811
    me = login_as(org_admin, java_script_enabled=javascript)
    me.goto("/orgs/")
    if javascript:
        _expand(me, "共青团四川省委")
        me.locator("summary a:text-is('共青团南充市委')").wait_for()
        _expand(me, "共青团南充市委")
        me.locator("a:text-is('共青团顺庆区委')").wait_for()
        assert me.url.endswith("/orgs/")  # stayed on the tree page
    else:
        # The node opens natively; its content is a link to the next level's own page.
        _expand(me, "共青团四川省委")
        me.click(f"a[href='/orgs/{world.province_org.id}/children']")
        me.wait_for_url(f"**/orgs/{world.province_org.id}/children")
        _expand(me, "共青团南充市委")
        me.click(f"a[href='/orgs/{world.city_org.id}/children']")
        me.wait_for_url(f"**/orgs/{world.city_org.id}/children")
    me.click("a:text-is('共青团顺庆区委')")
    me.wait_for_url(f"**/orgs/{world.county_org.id}")
    assert "共青团顺庆区委" in me.inner_text("h1")
    me.click("text=新建下级组织")
    me.wait_for_url(f"**/orgs/{world.county_org.id}/new")
    me.fill("input[name=name]", "舞凤街道团工委")
    me.select_option("select[name=level]", "township")
    _pick_region(me, ["51", "5113", "511302"], javascript)
    me.click("#org-submit")
    me.wait_for_url(re.compile(r"/orgs/\d+$"))
    assert "舞凤街道团工委" in me.inner_text("h1")
    assert "已创建团组织" in me.inner_text("#flashes")
    db.session.expire_all()
    org = db.session.query(Organisation).filter_by(name="舞凤街道团工委").one()
    assert org.path == f"{world.county_org.path}{org.id}/"
    assert org.region.code == "511302"


def test_bad_input_shows_the_message_in_place(login_as, world, org_admin):  # noqa: F811
    me = login_as(org_admin)
    me.goto(f"/orgs/{world.county_org.id}/new")
    me.fill("input[name=name]", "中城街道团工委")  # a sibling already has this name
    me.select_option("select[name=level]", "township")
    _pick_region(me, ["51", "5113", "511302"], True)
    me.press("input[name=name]", "Enter")  # implicit submission creates, it does not refine
    me.locator("#org-form .error").first.wait_for()
    assert "同一上级下已有名为" in me.inner_text("#org-form")
    assert me.url.endswith(f"/orgs/{world.county_org.id}/new")
