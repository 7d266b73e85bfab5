"""Phone details of issue 10's last round: the brand is never cut, and a region picked in
the search filters shows its results (the panel folds away on a phone)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.actions import open_filters
from tests.browser.checks import VIEWPORTS, screenshot_dir
from tests.factories import make_person
from tests.groups.conftest import make_group, make_thread

CASES = [
    pytest.param(size, lang, id=f"{size}-{lang}")
    for lang in ("zh", "en")
    for size in ("phone", "desktop")
]

# Whether the brand's text is cut (an ellipsis or hidden overflow), and its box.
_BRAND = """() => {
  const b = document.querySelector('.topbar .brand');
  const r = b.getBoundingClientRect();
  return {cut: b.scrollWidth > b.clientWidth + 1 || b.scrollHeight > b.clientHeight + 1,
          text: b.innerText, right: r.right, width: window.innerWidth};
}"""


def _shot(page, name: str) -> None:
    """Save a screenshot of the first screen when DIRECTORY_SCREENSHOTS names a folder."""
    folder = screenshot_dir()
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"test_phone_fit-{name}.png"))


@pytest.mark.parametrize(("size", "lang"), CASES)
def test_brand_is_never_cut(login_as, admin, size, lang) -> None:
    me = login_as(admin, viewport=VIEWPORTS[size])
    me.goto(f"/?lang={lang}")
    me.wait_for_load_state()
    brand = me.evaluate(_BRAND)
    _shot(me, f"brand-{size}-{lang}")
    assert not brand["cut"], brand
    assert brand["right"] <= brand["width"], brand
    # The whole name is there, in the page's language (on a phone it may take two lines).
    expected = "League Friends" if lang == "en" else "团友录"
    assert " ".join(brand["text"].split()) == expected
    assert me.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")


@pytest.fixture
def spread(world):
    """Cadres in two regions, so a region facet narrows the results."""
    make_person(name="李明", positions=[(world.street_org, "委员", date(2020, 1, 1), None)])
    make_person(name="李亮", positions=[(world.chengdu_org, "委员", date(2020, 1, 1), None)])
    return world


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_region_pick_shows_the_results(login_as, admin, spread, size) -> None:
    me = login_as(admin, viewport=VIEWPORTS[size])
    me.goto("/search/?q=li")
    expect(me.locator("#results .hit").first).to_be_visible()
    open_filters(me)
    panel = me.locator("#search-filters")
    facet = panel.locator(".facet a").first
    expect(facet).to_be_visible()
    facet.click()
    expect(me).to_have_url(re.compile(r"region=\d+"))
    expect(me.locator(".htmx-request")).to_have_count(0)
    first = me.locator("#results .hit").first
    expect(first).to_be_visible()
    _shot(me, f"region-pick-{size}")
    if size == "phone":
        # The panel folded away: the results start on the first screen, and the button
        # says a filter is on.
        expect(panel).not_to_have_attribute("open", "")
        expect(me.locator("#f-sector")).to_be_hidden()
        expect(panel.locator("summary .tag")).to_have_text("1")
        top = first.evaluate("e => e.getBoundingClientRect().top")
        assert top < VIEWPORTS["phone"]["height"] / 2
        # Reopening it shows the chosen region, to narrow further.
        open_filters(me)
        expect(panel.locator("nav.breadcrumbs [aria-current]")).to_be_visible()
    else:
        # A wide screen keeps its sidebar.
        expect(me.locator("#f-sector")).to_be_visible()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_group_topics_fit_a_phone(journey, cadre, lang) -> None:
    """A group's topics are one card each on a phone (the four-column table was wider
    than the screen), each value after its column's name, with a colon of the language."""
    group = make_group(cadre, "南充青年工作交流群")
    titles = [
        "关于做好组织关系转接的提醒",
        "乡村振兴青年志愿服务项目征集",
        "2026年度基层团干部培训安排",
    ]
    for title in titles:
        make_thread(cadre, group, title=title)
    me = journey(cadre, "phone")
    me.page.goto(f"/groups/{group.id}?lang={lang}")
    me.step("the group's topics")
    me.finish()  # nothing wider than the screen, no console error, axe content
    rows = me.page.locator("#thread-rows tr")
    expect(rows).to_have_count(3)
    for title in titles:
        expect(rows.get_by_role("link", name=title)).to_be_visible()
    starter = rows.first.locator("td").nth(1)
    expect(starter).to_have_text(cadre.name)
    label = starter.evaluate("td => getComputedStyle(td, '::before').content")
    assert label == ('"Started by: "' if lang == "en" else '"话题发起人："'), label
