"""Account actions: reset/re-invite, deactivate/reactivate, grant/revoke system admin."""

from __future__ import annotations

import logging

import pytest

from directory.extensions import db
from directory.people.models import Person
from tests.conftest import PASSWORD
from tests.factories import make_person


def _fresh(person: Person) -> Person:
    db.session.expire_all()
    return db.session.get(Person, person.id)


def _signed_in_client(app, person):
    c = app.test_client()
    assert (
        c.post("/auth/login", data={"email": person.email, "password": PASSWORD}).status_code == 302
    )
    return c


def test_show_account_full_page_and_fragment(client, auth, admin, cadre):
    auth.login(admin)
    r = client.get(f"/admin/accounts/{cadre.id}")
    assert r.status_code == 200 and "<html" in r.get_data(as_text=True)
    assert "模范街社区团支部" in r.get_data(as_text=True)
    assert "/auth/invite/" not in r.get_data(as_text=True)  # has a password: no link
    r = client.get(f"/admin/accounts/{cadre.id}", headers={"HX-Request": "true"})
    body = r.get_data(as_text=True)
    assert "<html" not in body and 'id="account"' in body
    assert "HX-Request" in r.headers["Vary"]


def test_reset_signs_out_everywhere_and_issues_link(app, client, auth, org_admin, cadre, caplog):
    victim_session = _signed_in_client(app, cadre)
    auth.login(org_admin)
    old_token = cadre.session_token
    with caplog.at_level(logging.INFO, logger="directory.accounts.admin"):
        r = client.post(f"/admin/accounts/{cadre.id}/reset")
    assert r.status_code == 303
    assert f"password of account {cadre.id} reset by {org_admin.id}" in caplog.text
    fresh = _fresh(cadre)
    assert fresh.password_hash is None and fresh.session_token != old_token
    assert victim_session.get("/").status_code == 302
    assert auth.client.post(
        "/auth/login", data={"email": cadre.email, "password": PASSWORD}
    ).status_code in (302, 422)
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "已重置密码" in page and "/auth/invite/" in page


def test_reset_as_htmx_returns_account_block(client, auth, admin, cadre):
    auth.login(admin)
    r = client.post(f"/admin/accounts/{cadre.id}/reset", headers={"HX-Request": "true"})
    body = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "<html" not in body and 'id="account"' in body and "/auth/invite/" in body
    assert "HX-Request" in r.headers["Vary"]


def test_old_invitation_link_dies_when_reissued(client, auth, admin, world):
    from directory.accounts import services as accounts

    pending = make_person(email="pending@example.org", password_hash=None)
    old_link = f"/auth/invite/{accounts.invitation_token(pending)}"
    auth.login(admin)
    client.post(f"/admin/accounts/{pending.id}/reset")
    assert client.application.test_client().get(old_link).status_code == 404


def test_deactivate_and_reactivate(app, client, auth, org_admin, cadre):
    victim_session = _signed_in_client(app, cadre)
    auth.login(org_admin)
    r = client.post(f"/admin/accounts/{cadre.id}/active", data={"active": "0"})
    assert r.status_code == 303
    assert not _fresh(cadre).is_active_account
    assert victim_session.get("/").status_code == 302
    other = app.test_client()
    r = other.post("/auth/login", data={"email": cadre.email, "password": PASSWORD})
    assert r.status_code == 422
    r = client.post(
        f"/admin/accounts/{cadre.id}/active", data={"active": "1"}, headers={"HX-Request": "true"}
    )
    assert r.status_code == 200 and "账号已启用" in r.get_data(as_text=True)
    assert _fresh(cadre).is_active_account
    assert (
        other.post("/auth/login", data={"email": cadre.email, "password": PASSWORD}).status_code
        == 302
    )


def test_cannot_deactivate_yourself(client, auth, admin):
    auth.login(admin)
    r = client.post(f"/admin/accounts/{admin.id}/active", data={"active": "0"})
    assert r.status_code == 403
    assert "不能停用或启用自己的账号" in r.get_data(as_text=True)
    assert _fresh(admin).is_active_account


def test_bad_flag_is_400(client, auth, admin, cadre):
    auth.login(admin)
    for data in ({}, {"active": "maybe"}):
        assert client.post(f"/admin/accounts/{cadre.id}/active", data=data).status_code == 400
    assert _fresh(cadre).is_active_account


def test_org_admin_cannot_touch_outside_or_system_admins(
    client, auth, org_admin, admin, outsider, world
):
    boss_here = make_person(
        email="boss2@example.org", is_admin=True, membership_org_id=world.branch.id
    )
    auth.login(org_admin)
    for target in (outsider, admin, boss_here):
        for url, data in (
            (f"/admin/accounts/{target.id}/reset", {}),
            (f"/admin/accounts/{target.id}/active", {"active": "0"}),
        ):
            r = client.post(url, data=data)
            assert r.status_code == 403, (target, url)
        fresh = _fresh(target)
        assert fresh.is_active_account and fresh.password_hash


def test_only_system_admins_grant_admin(client, auth, org_admin, cadre):
    auth.login(org_admin)
    assert "设为系统管理员" not in client.get(f"/admin/accounts/{cadre.id}").get_data(as_text=True)
    r = client.post(f"/admin/accounts/{cadre.id}/admin", data={"admin": "1"})
    assert r.status_code == 403
    assert "只有系统管理员" in r.get_data(as_text=True)
    assert not _fresh(cadre).is_admin


def test_grant_and_revoke_system_admin(client, auth, admin, cadre):
    auth.login(admin)
    assert client.post(f"/admin/accounts/{cadre.id}/admin", data={"admin": "1"}).status_code == 303
    assert _fresh(cadre).is_admin
    r = client.post(
        f"/admin/accounts/{cadre.id}/admin", data={"admin": "0"}, headers={"HX-Request": "true"}
    )
    assert r.status_code == 200 and "已撤销系统管理员权限" in r.get_data(as_text=True)
    assert not _fresh(cadre).is_admin


def test_last_active_system_admin_stays(client, auth, admin, cadre):
    auth.login(admin)
    r = client.post(f"/admin/accounts/{admin.id}/admin", data={"admin": "0"})
    assert r.status_code == 409
    assert "至少要保留一名有效的系统管理员" in r.get_data(as_text=True)
    assert _fresh(admin).is_admin
    r = client.post(
        f"/admin/accounts/{admin.id}/admin", data={"admin": "0"}, headers={"HX-Request": "true"}
    )
    assert r.status_code == 409 and 'id="account"' in r.get_data(as_text=True)
    # With a second (inactive) admin it is still refused: inactive admins do not count.
    make_person(email="sleeping@example.org", is_admin=True, is_active_account=False)
    assert client.post(f"/admin/accounts/{admin.id}/admin", data={"admin": "0"}).status_code == 409
    assert _fresh(admin).is_admin


def test_admin_can_step_down_when_another_remains(client, auth, admin, world):
    other = make_person(email="second@example.org", is_admin=True)
    auth.login(admin)
    assert client.post(f"/admin/accounts/{admin.id}/admin", data={"admin": "0"}).status_code == 303
    assert not _fresh(admin).is_admin
    assert _fresh(other).is_admin
    # No longer an admin of anything: the admin area is closed.
    assert client.get("/admin/").status_code == 403


def test_deactivating_an_admin_keeps_one_active(client, auth, admin, world):
    from directory.accounts import admin as account_admin
    from directory.core.errors import PermissionDenied

    other = make_person(email="second@example.org", is_admin=True)
    auth.login(admin)
    assert (
        client.post(f"/admin/accounts/{other.id}/active", data={"active": "0"}).status_code == 303
    )
    assert not _fresh(other).is_active_account
    # A deactivated admin is no longer anyone's admin: the service refuses them.
    with pytest.raises(PermissionDenied):
        account_admin.set_active(_fresh(other), admin.id, False)
    assert _fresh(admin).is_active_account
