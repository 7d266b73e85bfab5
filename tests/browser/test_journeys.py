"""Journeys at phone and desktop size, acting only through labels, roles and visible text.

Every page a journey visits is checked (tests/browser/checks.py): no horizontal overflow at
390 px, no console error (CSP included), no serious or critical axe-core violation.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

SIZES = ["phone", "desktop"]


@pytest.mark.parametrize("size", SIZES)
def test_sign_in(journey, cadre, size) -> None:
    j = journey(None, size)
    me = j.page
    me.goto("/")
    j.step("first visit")
    me.get_by_label("电子邮箱").fill(cadre.email)
    me.get_by_label("密码").fill(PASSWORD)
    me.get_by_role("button", name="登录").click()
    expect(me.get_by_role("link", name=cadre.name)).to_be_visible()
    j.step("signed in")
    j.finish()
