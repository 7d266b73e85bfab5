"""The search page on a phone (390 px): no sideways scrolling, results on the first screen."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from tests.factories import make_person

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def many(world):
    """Twelve cadres, enough to fill a phone screen; one has an e-mail address too long
    for a line (it must wrap, not widen the page)."""
    for i in range(12):
        box = "zhang.a.rather.long.mailbox.name" if i == 0 else f"zhang{i}"
        make_person(
            name=f"张{'一二三四五六七八九十甲乙'[i]}同",
            email=f"{box}@county-league.example.cn",
            positions=[(world.street_org, "委员", date(2020, 1, 1), None)],
        )
    return world


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_phone_search_fits_the_screen_and_shows_results_first(login_as, admin, many) -> None:
    me = login_as(admin, viewport=PHONE)
    me.goto("/search/?q=zhang")
    expect(me.locator("#results .hit").first).to_be_visible()
    assert _overflow(me) <= 0
    # The filters are folded behind a button; the first screen shows at least 8 people.
    filters = me.locator("#search-filters")
    assert filters.get_attribute("open") is None
    expect(me.locator("#f-sector")).to_be_hidden()
    in_view = me.evaluate(
        "[...document.querySelectorAll('#results .hit')]"
        ".filter(e => e.getBoundingClientRect().bottom <= window.innerHeight).length"
    )
    assert in_view >= 8
    # Opening the filters still fits, and a filter keeps them open after the htmx swap.
    me.click("#search-filters > summary")
    expect(me.locator("#f-sector")).to_be_visible()
    assert _overflow(me) <= 0
    me.select_option("#f-status", "current")
    expect(me.locator("#f-status")).to_have_value("current")
    expect(me.locator("#f-sector")).to_be_visible()
    # The menu replaces the navigation line: one tap shows the links.
    expect(me.locator(".mainnav")).to_be_hidden()
    me.click(".navmenu > summary")
    expect(me.locator(".navmenu a", has_text="团组织")).to_be_visible()


def test_wide_screen_shows_filters_and_navigation(login_as, admin, many) -> None:
    me = login_as(admin, viewport={"width": 1366, "height": 900})
    me.goto("/search/?q=zhang")
    expect(me.locator("#f-sector")).to_be_visible()
    expect(me.locator(".mainnav a", has_text="团组织")).to_be_visible()
    expect(me.locator(".navmenu")).to_be_hidden()
    assert _overflow(me) <= 0
