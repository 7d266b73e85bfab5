"""A cadre hides their phone number from everyone but admins, in a real browser."""

from __future__ import annotations

import re

import pytest

from directory.core.enums import Visibility
from directory.extensions import db

NEW_PHONE = "13912345678"
PHONE_SIZE = {"width": 375, "height": 740}


def digits(text: str) -> str:
    """Only the digits of `text`, so "+86 139 1234 5678" still contains the number."""
    return re.sub(r"\D", "", text)


def fits_width(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_phone_hidden_from_outsider_shown_to_admin(login_as, cadre, outsider, admin, javascript):
    me = login_as(cadre, java_script_enabled=javascript)
    me.click(f"header a[href='/people/{cadre.id}']")
    me.wait_for_url(f"**/people/{cadre.id}")
    me.click("text=编辑资料")
    me.wait_for_url(f"**/people/{cadre.id}/edit")
    me.fill("input[name=phone]", NEW_PHONE)
    me.select_option("select[name=phone_visibility]", label="仅管理员")
    me.click("#profile-form button[type=submit]")
    me.wait_for_url(re.compile(rf"/people/{cadre.id}$"))
    assert "资料已保存。" in me.inner_text("#flashes")
    assert NEW_PHONE in digits(me.inner_text(".contact-phone"))

    db.session.expire_all()
    assert cadre.phone == f"+86{NEW_PHONE}"
    assert cadre.phone_visibility == Visibility.ADMINS

    stranger = login_as(outsider)
    stranger.goto(f"/people/{cadre.id}")
    assert stranger.inner_text("h1").startswith("张彤")
    assert "仅管理员可见" in stranger.inner_text(".contact-phone")
    assert NEW_PHONE not in digits(stranger.content())

    boss = login_as(admin)
    boss.goto(f"/people/{cadre.id}")
    assert NEW_PHONE in digits(boss.inner_text(".contact-phone"))
    assert boss.locator(f"a[href='tel:+86{NEW_PHONE}']").count() == 1


def test_bad_phone_is_refused_with_a_message(login_as, cadre):
    me = login_as(cadre)
    me.goto(f"/people/{cadre.id}/edit")
    me.fill("input[name=phone]", "12345")
    me.click("#profile-form button[type=submit]")
    me.wait_for_selector("text=请输入有效的电话号码")
    assert "/edit" in me.url
    db.session.expire_all()
    assert cadre.phone == "+8613800138000"


def test_wrong_password_shows_the_message(page, cadre):
    page.goto("/auth/login")
    page.fill("input[name=email]", cadre.email)
    page.fill("input[name=password]", "not-my-password")
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("text=电子邮箱或密码不正确")
    assert "/auth/login" in page.url
    page.goto("/")
    assert "/auth/login" in page.url


def test_profile_pages_fit_a_phone_screen(login_as, cadre, page):
    page.set_viewport_size(PHONE_SIZE)
    page.goto("/auth/login")
    assert fits_width(page)
    me = login_as(cadre, viewport=PHONE_SIZE)
    for path in (f"/people/{cadre.id}", f"/people/{cadre.id}/edit"):
        me.goto(path)
        assert me.inner_text("h1")
        assert fits_width(me), path
