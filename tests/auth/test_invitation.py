"""Invitation links: they work once, expire, and refuse tampering."""

from __future__ import annotations

import time

import pytest

from directory.accounts import services as accounts
from directory.extensions import db
from directory.people.models import Person
from tests.factories import make_person


@pytest.fixture
def invited(world) -> Person:
    return make_person(name="新同志", email="new@example.org", password_hash=None)


def _link(person: Person) -> str:
    return f"/auth/invite/{accounts.invitation_token(person)}"


def _set(client, link: str, password: str = "fresh-pass-7", **kw):
    return client.post(link, data={"new_password": password, "confirm": password}, **kw)


def test_invitation_page_full_and_fragment(client, invited):
    link = _link(invited)
    r = client.get(link)
    assert r.status_code == 200
    assert "新同志" in r.get_data(as_text=True) and "<html" in r.get_data(as_text=True)
    r = _set(client, link, "short", headers={"HX-Request": "true"})
    body = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "<html" not in body and "密码至少需要 8 个字符" in body
    assert "HX-Request" in r.headers["Vary"]


def test_invitation_works_once(app, client, invited):
    link = _link(invited)
    r = _set(client, link)
    assert r.status_code == 303
    assert client.get("/").status_code == 200
    again = app.test_client()
    r = again.get(link)
    assert r.status_code == 404
    assert "邀请链接无效或已被使用" in r.get_data(as_text=True)
    assert _set(again, link, "another-pass-8").status_code == 404
    assert (
        app.test_client()
        .post("/auth/login", data={"email": invited.email, "password": "fresh-pass-7"})
        .status_code
        == 302
    )


def test_invitation_expires(client, invited, monkeypatch, app):
    link = _link(invited)
    later = time.time() + app.config["INVITATION_MAX_AGE"] + 60
    monkeypatch.setattr(time, "time", lambda: later)
    r = client.get(link)
    assert r.status_code == 404
    assert "邀请链接已过期" in r.get_data(as_text=True)
    assert _set(client, link).status_code == 404
    db.session.expire_all()
    assert db.session.get(Person, invited.id).password_hash is None


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: "x" + t,
        lambda t: "not-a-token",
        lambda t: t.split(".")[0],
    ],
)
def test_tampered_invitation_is_refused(client, invited, mangle):
    link = f"/auth/invite/{mangle(accounts.invitation_token(invited))}"
    r = client.get(link)
    assert r.status_code == 404
    assert "邀请链接无效" in r.get_data(as_text=True)
    assert _set(client, link).status_code == 404
    db.session.expire_all()
    assert db.session.get(Person, invited.id).password_hash is None


def test_token_signed_with_other_key_is_refused(client, invited):
    from itsdangerous import URLSafeTimedSerializer

    forged = URLSafeTimedSerializer("guessed-key", salt="invitation").dumps(
        [invited.id, invited.session_token]
    )
    assert client.get(f"/auth/invite/{forged}").status_code == 404


def test_invitation_refused_for_deactivated_account(client, invited):
    link = _link(invited)
    invited.is_active_account = False
    db.session.commit()
    assert client.get(link).status_code == 404


def test_invitation_bad_input_writes_nothing(client, invited):
    link = _link(invited)
    r = client.post(link, data={"new_password": "fresh-pass-7", "confirm": "other-pass-7"})
    assert r.status_code == 422 and "两次输入的密码不一致" in r.get_data(as_text=True)
    r = client.post(link, data=b"\xff\xfe", content_type="application/x-www-form-urlencoded")
    assert r.status_code == 422 and "包含无效字符" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Person, invited.id).password_hash is None
