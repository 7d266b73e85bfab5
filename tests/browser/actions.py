"""What a user does, spelt once for every browser test: follow the main navigation, open
the search filters, take a name from a picker with the keyboard. Only labels, roles and
visible text; the active language's words come from `t` (see i18n below).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

# The few words the helpers below look for, in each language the journeys run in.
WORDS = {
    "zh": {"menu": "菜单", "filters": "筛选", "options": "{label}：候选项"},
    "en": {"menu": "Menu", "filters": "Filters", "options": "{label}: suggestions"},
}


def lang_of(page: Any) -> str:
    """The page's language ("zh" or "en"), from <html lang>."""
    lang = page.locator("html").get_attribute("lang") or "zh"
    return "en" if lang.startswith("en") else "zh"


def go(page: Any, label: str) -> None:
    """Follow a main-navigation link as a user does: through the menu on a phone."""
    page.wait_for_load_state()  # the stylesheet decides which of the two navs shows
    wide = page.locator("nav.mainnav")
    if wide.is_visible():
        wide.get_by_role("link", name=label).click()
        return
    menu = page.locator("details.navmenu")
    if menu.get_attribute("open") is None:
        menu.get_by_text(WORDS[lang_of(page)]["menu"], exact=True).click()
    menu.get_by_role("link", name=label).click()


def open_filters(page: Any) -> None:
    """Open the search filters (folded behind 筛选 on phones) as a user would, once the
    search in flight has answered (its answer replaces the filters a click would use)."""
    expect(page.locator(".htmx-request")).to_have_count(0)
    panel = page.locator("#search-filters")
    if panel.get_attribute("open") is None:
        panel.get_by_text(WORDS[lang_of(page)]["filters"]).first.click()


def _asks_for(url: str, typed: str) -> bool:
    """Whether a request URL carries exactly `typed` as one of its query values."""
    values = parse_qs(urlsplit(url).query).values()
    return any(typed in v for v in values)


def pick(page: Any, label: str, typed: str, option: str, *, within: Any = None) -> None:
    """Type into the picker labelled `label`, then take `option` with the keyboard
    (arrow keys to it, Enter), as the one autocomplete (web/picker.py) allows."""
    scope = within if within is not None else page
    box = scope.get_by_role("combobox", name=label)
    box.fill("")
    # Wait for the answer to the whole text: on a busy machine keys can come slower than the
    # picker's 250 ms pause, so an earlier answer (for "zhongch") may show the option first
    # and the last one replace the list just as the arrow keys reach it.
    with page.expect_response(lambda r: _asks_for(r.url, typed)):
        box.press_sequentially(typed, delay=30)
    expect(page.locator(".htmx-request, .htmx-settling, .htmx-swapping")).to_have_count(0)
    listbox = scope.get_by_role("listbox", name=WORDS[lang_of(page)]["options"].format(label=label))
    expect(listbox.get_by_role("option").filter(has_text=option).first).to_be_visible()
    names = listbox.get_by_role("option").all_inner_texts()
    index = next(i for i, text in enumerate(names) if option in text)
    for _ in range(index + 1):
        box.press("ArrowDown")
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("Enter")
    expect(box).to_have_value(re.compile(re.escape(option.split()[0])))
    expect(box).to_have_attribute("aria-expanded", "false")
