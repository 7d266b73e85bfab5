"""The token page and the API reference in a real browser, at phone and desktop sizes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from directory.api.models import ApiToken
from directory.extensions import db
from tests.browser import conftest as _browser

# The browser fixtures live in tests/browser/conftest.py (one shared Chromium).
app_config = _browser.app_config
browser = _browser.browser
live_server = _browser.live_server
new_context = _browser.new_context
login_as = _browser.login_as
journey = _browser.journey

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_make_copy_and_revoke_a_token(journey, cadre, viewport) -> None:  # type: ignore[no-untyped-def]
    j = journey(cadre, viewport)
    page = j.page
    page.goto(f"/people/{cadre.id}")
    page.get_by_role("link", name="API 访问令牌").click()
    page.wait_for_url("**/api/tokens/")
    j.step("token page, empty")
    assert "还没有令牌" in page.inner_text("main")
    page.get_by_label("令牌名称").fill("区团委报表")
    page.get_by_label("办理转接（发起、审批、退回、撤回、接收）").check()
    page.get_by_label("有效期").select_option(label="30 天")
    page.get_by_role("button", name="创建令牌").click()
    page.wait_for_selector("text=它只显示这一次")
    j.step("token made, shown once")
    secret = page.get_by_label("新令牌").input_value()
    assert secret.startswith("tyl_")
    db.session.expire_all()
    token = db.session.scalar(select(ApiToken))
    assert token is not None and token.scopes == "read transfers" and secret not in token.digest
    # Reloading never shows the secret again.
    page.goto("/api/tokens/")
    assert secret not in page.content() and "区团委报表" in page.inner_text("main")
    # Revoking asks once.
    row = page.locator(".token", has_text="区团委报表")
    row.locator("summary", has_text="撤销").click()
    j.step("revoke asks to confirm")
    row.get_by_role("button", name="确认撤销“区团委报表”").click()
    page.wait_for_selector(".token .badge:has-text('已撤销')")
    j.step("token revoked")
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is not None
    j.finish()


def test_reference_page_loads_under_the_csp(journey, cadre) -> None:  # type: ignore[no-untyped-def]
    j = journey(cadre, "desktop")
    page = j.page
    page.goto("/api/v1/docs")
    page.get_by_text("/api/v1/transfers/{transfer_id}/approve", exact=True).first.wait_for()
    j.step("API reference", axe=False)  # Swagger UI's own markup is not ours to fix
    assert "团友录 API" in page.inner_text("body")
    j.finish()
