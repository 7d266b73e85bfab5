"""The account journey in a real Chromium: create, copy the link, accept it; with and
without JavaScript. Uses the browser fixtures of tests/browser/conftest.py."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.people.models import Person
from tests.browser import conftest as _browser
from tests.browser.actions import pick

# The browser fixtures live in tests/browser/conftest.py; reuse them here (one shared
# Chromium for the whole session).
app_config = _browser.app_config
browser = _browser.browser
live_server = _browser.live_server
new_context = _browser.new_context
login_as = _browser.login_as


pytestmark = pytest.mark.browser


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_admin_creates_account_and_person_accepts(login_as, new_context, admin, world, javascript):
    tab = login_as(admin, java_script_enabled=javascript)
    tab.goto("/admin/")
    tab.click("text=新建账号")
    tab.fill("input[name=name]", "孙悦")
    tab.fill("input[name=email]", "sunyue@example.org")
    if javascript:  # the one picker: typed as pinyin, taken from its list with the keyboard
        pick(tab, "所属团组织", "zhongcheng", "中城街道团工委")
    else:  # no list without JavaScript: the name typed in full is enough
        tab.get_by_role("combobox", name="所属团组织").fill("中城街道团工委")
    tab.click("#account-form button[type=submit]")
    link_box = tab.locator("#invitation-link")
    link_box.wait_for()
    assert "账号已创建" in tab.content()
    tab.wait_for_url("**/admin/accounts/*")
    link = link_box.input_value()
    assert "/auth/invite/" in link

    newcomer = new_context(java_script_enabled=javascript).new_page()
    newcomer.goto(link)
    newcomer.fill("input[name=new_password]", "sunyue-pass-1")
    newcomer.fill("input[name=confirm]", "sunyue-pass-1")
    with newcomer.expect_navigation():
        newcomer.click("#invite-form button[type=submit]")
    assert "密码已设置" in newcomer.content()
    db.session.expire_all()
    person = db.session.scalar(select(Person).where(Person.email == "sunyue@example.org"))
    assert person.password_hash and person.membership_org_id == world.street_org.id


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_admin_deactivates_and_sees_errors(login_as, admin, cadre, javascript):
    tab = login_as(admin, java_script_enabled=javascript)
    tab.goto(f"/admin/accounts/{cadre.id}")
    tab.click("text=停用账号")  # a harmful action asks once: the confirm step
    tab.click("text=确认停用")
    tab.locator("text=账号已停用").first.wait_for()
    tab.locator("text=启用账号").wait_for()
    db.session.expire_all()
    assert not db.session.get(Person, cadre.id).is_active_account
    # The duplicate e-mail is shown on the form, the page stays usable.
    tab.goto("/admin/accounts/new")
    tab.fill("input[name=name]", "重复")
    tab.fill("input[name=email]", cadre.email)
    tab.click("#account-form button[type=submit]")
    tab.locator("text=该电子邮箱已被使用").wait_for()
    assert tab.locator("input[name=name]").input_value() == "重复"


def test_admin_search_updates_list_as_you_type(login_as, admin, cadre, outsider):
    tab = login_as(admin)
    tab.goto("/admin/")
    tab.locator(f"text={outsider.name}").wait_for()
    tab.fill("#account-q", "zhangtong")
    tab.wait_for_url("**q=zhangtong**")
    assert tab.locator(f"#accounts >> text={cadre.name}").count() == 1
    assert tab.locator(f"#accounts >> text={outsider.name}").count() == 0
