"""Harmful actions look harmful and ask once, without JavaScript too."""

from __future__ import annotations

from directory.extensions import db
from tests.factories import make_person


def _confirm_block(body: str, label: str) -> str:
    start = body.index(f'<summary class="danger" role="button">{label}</summary>')
    return body[start : body.index("</details>", start)]


def test_admin_account_actions_ask_once(client, auth, admin, cadre) -> None:
    auth.login(admin)
    body = client.get(f"/admin/accounts/{cadre.id}").get_data(as_text=True)
    block = _confirm_block(body, "停用账号")
    assert '<button type="submit" class="danger">确认停用</button>' in block
    assert "设为系统管理员" in body and "确认授予" in _confirm_block(body, "设为系统管理员")
    # Harmless actions stay plain buttons.
    assert '<button type="submit" class="secondary">重置密码并重新邀请</button>' in body
    # The confirm step posts the same form: it works without JavaScript.
    r = client.post(f"/admin/accounts/{cadre.id}/active", data={"active": "0"})
    assert r.status_code in (302, 303)
    db.session.expire_all()
    assert not cadre.is_active_account


def test_org_admin_removal_asks_once(client, auth, world, org_admin) -> None:
    other = make_person(name="吴管理", admin_of=[world.county_org])
    auth.login(org_admin)
    body = client.get(f"/orgs/{world.county_org.id}/admins").get_data(as_text=True)
    assert other.name in body and "确认移除" in _confirm_block(body, "移除")
