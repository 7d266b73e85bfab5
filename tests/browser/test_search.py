"""Finding a colleague in a real browser: pinyin typed live, narrowed by region."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.factories import make_org, make_person, make_region

# Imported lazily: without Playwright the module is skipped, not a collection error.
expect = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed").expect


@pytest.fixture
def colleagues(world, cadre, outsider):
    """Two 张彤-like cadres in different provinces, and 曾国藩 who left Nanchong."""
    gd = make_region("44", "广东省")
    gz = make_region("4401", "广州市", gd)
    gz_org = make_org("共青团广州市委", gz, None, "city", "government")
    make_person(name="赵天", positions=[(gz_org, "书记", date(2022, 1, 1), None)])
    make_person(
        name="曾国藩",
        positions=[(world.city_org, "委员", date(2015, 1, 1), date(2019, 6, 30))],
    )
    return world


def test_pinyin_query_with_region_filter_live(login_as, cadre, colleagues) -> None:
    me = login_as(cadre)
    me.goto("/search/")
    me.fill("#search-q", "zt")  # 张彤 and 赵天 both read "zt"
    # Without a query the page lists everyone (4); the live answer to "zt" has two.
    expect(me.locator("#results .hit")).to_have_count(2)
    assert {"张彤", "赵天"} == {
        t.strip() for t in me.locator("#results .hit h3 a").all_inner_texts()
    }
    me.click("#results .facet a:has-text('四川省')")
    me.wait_for_url(re.compile(r"region=51"))
    expect(me.locator("#results .hit")).to_have_count(1)
    assert "张彤" in me.inner_text("#results .hit")
    me.click("#results .facet a:has-text('南充市')")
    me.wait_for_url(re.compile(r"region=5113"))
    assert "q=zt" in me.url  # the URL holds query and filter: bookmarkable
    me.wait_for_selector("#results .breadcrumbs a[aria-current]:has-text('南充市')")
    assert [t.strip() for t in me.locator("#results .hit h3 a").all_inner_texts()] == ["张彤"]
    # Typing more narrows live, keeping the region.
    me.fill("#search-q", "zeng")
    me.wait_for_selector("#results .hit:has-text('曾国藩')")
    assert "曾任" in me.inner_text("#results .hit")


def test_without_javascript_the_form_still_searches(login_as, cadre, colleagues) -> None:
    me = login_as(cadre, java_script_enabled=False)
    me.goto("/search/?region=5113")
    me.fill("#search-q", "zhang tong")
    with me.expect_navigation():
        me.click("#search-form .searchbar button[type=submit]")
    assert "region=5113" in me.url and "q=zhang+tong" in me.url
    assert [t.strip() for t in me.locator(".hit h3 a").all_inner_texts()] == ["张彤"]
