"""The token settings pages: make (shown once, stored hashed), list, revoke; admins."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from directory.api import tokens
from directory.api.models import ApiToken
from directory.extensions import db
from tests.api.conftest import bearer, make_token
from tests.factories import make_person

HX = {"HX-Request": "true"}


def _make(client, name="区团委报表", scopes=("read",), days="90", headers=None):
    data = {"name": name, "scopes": list(scopes), "days": days}
    return client.post("/api/tokens/", data=data, headers=headers or {})


def test_page_and_fragment(client, auth, cadre) -> None:
    auth.login(cadre)
    page = client.get("/api/tokens/")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in body
    assert "还没有令牌" in body and "创建令牌" in body
    assert "HX-Request" in page.headers["Vary"]
    frag = client.get("/api/tokens/", headers=HX)
    assert frag.status_code == 200 and "<html" not in frag.get_data(as_text=True)
    assert 'id="tokens"' in frag.get_data(as_text=True)


def test_secret_is_shown_once_and_stored_hashed(client, auth, cadre) -> None:
    auth.login(cadre)
    r = _make(client, scopes=("read", "transfers"), headers=HX)
    body = r.get_data(as_text=True)
    assert r.status_code == 201 and "它只显示这一次" in body
    secret = body.split('id="new-token" type="text" readonly value="', 1)[1].split('"', 1)[0]
    assert secret.startswith("tyl_") and len(secret) > 40
    token = db.session.scalar(select(ApiToken))
    assert token.digest == tokens.digest(secret) and secret not in token.digest
    assert token.scopes == "read transfers" and token.name == "区团委报表"
    later = client.get("/api/tokens/").get_data(as_text=True)
    assert secret not in later and token.prefix in later and "区团委报表" in later
    # The secret works as a bearer token.
    assert client.get("/api/v1/notifications", headers=bearer(secret)).status_code == 200


def test_bad_input_is_422_and_writes_nothing(client, auth, cadre) -> None:
    auth.login(cadre)
    for data in (
        {"name": "", "scopes": ["read"], "days": "90"},
        {"name": "x", "scopes": [], "days": "90"},
        {"name": "x", "scopes": ["admin"], "days": "90"},
        {"name": "x", "scopes": ["read"], "days": "1000"},
        {"name": "x" * 81, "scopes": ["read"], "days": "90"},
        {"name": "a\x00b", "scopes": ["read"], "days": "90"},
    ):
        r = client.post("/api/tokens/", data=data)
        assert r.status_code == 422, data
        assert "提交的内容有误" in r.get_data(as_text=True)
    assert db.session.scalar(select(ApiToken)) is None


def test_owner_revokes(client, auth, app, cadre) -> None:
    secret = make_token(app, cadre)
    token = db.session.scalar(select(ApiToken))
    auth.login(cadre)
    r = client.post(f"/api/tokens/{token.id}/revoke")
    assert r.status_code == 303
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is not None
    assert "已撤销" in client.get("/api/tokens/").get_data(as_text=True)
    assert client.get("/api/v1/notifications", headers=bearer(secret)).status_code == 401


def test_admins_see_and_revoke_tokens_of_accounts_they_manage(
    client, auth, app, cadre, org_admin, outsider, world
) -> None:
    make_token(app, cadre)
    token = db.session.scalar(select(ApiToken))
    # Someone outside the hierarchy: not found, cannot revoke.
    auth.login(outsider)
    assert client.get(f"/api/tokens/people/{cadre.id}").status_code == 404
    assert client.post(f"/api/tokens/{token.id}/revoke").status_code == 404
    auth.logout()
    auth.login(org_admin)  # administers 张彤's organisation
    page = client.get(f"/api/tokens/people/{cadre.id}")
    assert page.status_code == 200 and "张彤 的 API 访问令牌" in page.get_data(as_text=True)
    assert "创建令牌" not in page.get_data(as_text=True)  # admins revoke, never mint
    r = client.post(f"/api/tokens/{token.id}/revoke", headers=HX)
    assert r.status_code == 204 and r.headers["HX-Redirect"].endswith(f"/people/{cadre.id}")
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_by_id == org_admin.id


def test_a_lower_admin_cannot_touch_a_higher_accounts_tokens(client, auth, app, world) -> None:
    lower = make_person(
        name="周强", membership_org_id=world.street_org.id, admin_of=[world.street_org]
    )
    higher = make_person(
        name="郑华",
        membership_org_id=world.branch.id,
        admin_of=[world.city_org],
        positions=[(world.city_org, "副书记", date(2021, 1, 1), None)],
    )
    make_token(app, higher)
    token = db.session.scalar(select(ApiToken))
    auth.login(lower)
    assert client.get(f"/api/tokens/people/{higher.id}").status_code == 404
    assert client.post(f"/api/tokens/{token.id}/revoke").status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None


def test_scopes_are_listed_in_the_page_language(client, auth, cadre) -> None:
    auth.login(cadre)
    assert _make(client, scopes=("read", "transfers", "notices")).status_code in (200, 201, 303)
    chinese = client.get("/api/tokens/").get_data(as_text=True)
    assert "权限：读取、办理转接和回复通知" in chinese
    english = client.get("/api/tokens/?lang=en").get_data(as_text=True)
    assert "Scopes: read, transfers, and notices" in english
    assert "、" not in english and "：" not in english
