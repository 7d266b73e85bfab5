"""Tokens see what the pages show their owner, nothing more; scopes, expiry, revocation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from directory.api import tokens
from directory.api.models import ApiToken
from directory.core import time as clock
from directory.extensions import db
from directory.transfers.models import Transfer, TransferState
from tests.api.conftest import ApiWorld, bearer, make_token


def test_plain_cadre_token_sees_what_the_pages_show(app, client, api_world: ApiWorld) -> None:
    w = api_world
    h = bearer(make_token(app, w.outsider))
    # Contacts: the outsider shares nothing with 张彤: no phone, no e-mail (as on the page).
    person = client.get(f"/api/v1/people/{w.cadre.id}", headers=h)
    assert person.status_code == 200
    assert person.get_json()["contacts"] == {}
    assert "13800138000" not in person.get_data(as_text=True)
    found = client.get("/api/v1/people?q=张彤", headers=h).get_json()
    assert found["results"] and all(r["contacts"] == {} for r in found["results"])
    # A hidden group and its thread do not exist for a non-member.
    assert client.get(f"/api/v1/groups/{w.hidden_group_id}", headers=h).status_code == 404
    assert client.get(f"/api/v1/threads/{w.hidden_thread_id}", headers=h).status_code == 404
    groups = client.get("/api/v1/groups", headers=h).get_json()["items"]
    assert w.hidden_group_id not in [g["id"] for g in groups]
    assert w.public_group_id in [g["id"] for g in groups]
    # Someone else's transfer: not listed, not found.
    assert client.get("/api/v1/transfers", headers=h).get_json()["items"] == []
    assert client.get(f"/api/v1/transfers/{w.transfer.id}", headers=h).status_code == 404
    # No roster: not an admin of the organisation.
    org = client.get(f"/api/v1/organisations/{w.world.branch.id}", headers=h).get_json()
    assert org["roster_visible"] is False
    # Another person's notifications never show.
    assert client.get("/api/v1/notifications", headers=h).get_json()["items"] == []


def test_admin_token_sees_contacts_and_transfers_of_the_subtree(app, client, api_world) -> None:
    w = api_world
    h = bearer(make_token(app, w.org_admin))
    contacts = client.get(f"/api/v1/people/{w.cadre.id}", headers=h).get_json()["contacts"]
    assert "13800138000" in "".join(contacts.values())
    listed = client.get("/api/v1/transfers", headers=h).get_json()["items"]
    assert [t["id"] for t in listed] == [w.transfer.id]
    assert "approve_out" in listed[0]["allowed_actions"]


def test_read_scope_cannot_write(app, client, api_world: ApiWorld) -> None:
    w = api_world
    h = bearer(make_token(app, w.cadre, ("read",)))
    version = w.transfer.version
    r = client.post(
        f"/api/v1/transfers/{w.transfer.id}/withdraw", json={"version": version}, headers=h
    )
    assert r.status_code == 403 and r.mimetype == "application/problem+json"
    assert "transfers" in r.get_json()["detail"]
    db.session.expire_all()
    assert db.session.get(Transfer, w.transfer.id).state == TransferState.SUBMITTED
    new = client.post(
        "/api/v1/transfers",
        json={"person_id": w.cadre.id, "to_org_id": w.world.city_org.id, "reason": "job"},
        headers=h,
    )
    assert new.status_code == 403
    # The same person with the transfers scope may.
    h2 = bearer(make_token(app, w.cadre, ("transfers",)))
    ok = client.post(
        f"/api/v1/transfers/{w.transfer.id}/withdraw", json={"version": version}, headers=h2
    )
    assert ok.status_code == 200 and ok.get_json()["state"] == "withdrawn"


@pytest.mark.parametrize("how", ["revoked", "expired", "deactivated", "unknown", "malformed"])
def test_unusable_tokens_get_401(app, client, api_world: ApiWorld, how: str) -> None:
    w = api_world
    secret = make_token(app, w.cadre)
    token = db.session.scalar(select(ApiToken).where(ApiToken.person_id == w.cadre.id))
    headers = bearer(secret)
    if how == "revoked":
        with app.test_request_context("/"):
            tokens.revoke_token(w.cadre, token.id)
    elif how == "expired":
        token.expires_at = clock.now() - timedelta(seconds=1)
        db.session.commit()
    elif how == "deactivated":
        w.cadre.is_active_account = False
        db.session.commit()
    elif how == "unknown":
        headers = bearer(secret[:-2] + "xx")
    else:
        headers = {"Authorization": f"Token {secret}"}
    r = client.get("/api/v1/people?q=张", headers=headers)
    assert r.status_code == 401
    assert r.mimetype == "application/problem+json"
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert r.get_json()["status"] == 401


def test_a_token_ignores_the_browser_session(app, client, auth, api_world: ApiWorld) -> None:
    w = api_world
    auth.login(w.org_admin)  # a session of an admin who could see the transfer
    h = bearer(make_token(app, w.outsider))
    assert client.get(f"/api/v1/transfers/{w.transfer.id}", headers=h).status_code == 404
    assert client.get(f"/api/v1/transfers/{w.transfer.id}").status_code == 200


def test_session_writes_need_the_csrf_header(app_config, app, client, auth, api_world) -> None:
    w = api_world
    auth.login(w.cadre)
    url = f"/api/v1/transfers/{w.transfer.id}/withdraw"
    refused = client.post(url, json={"version": w.transfer.version})
    assert refused.status_code == 403 and "CSRF" in refused.get_json()["detail"]
    db.session.expire_all()
    assert db.session.get(Transfer, w.transfer.id).state == TransferState.SUBMITTED
    # With the token the pages carry (hx-headers on <body>), the same write goes through.
    page = client.get("/").get_data(as_text=True)
    csrf = page.split('"X-CSRFToken": "', 1)[1].split('"', 1)[0]
    done = client.post(url, json={"version": w.transfer.version}, headers={"X-CSRFToken": csrf})
    assert done.status_code == 200 and done.get_json()["state"] == "withdrawn"


def test_stale_version_is_a_conflict(app, client, api_world: ApiWorld) -> None:
    w = api_world
    h = bearer(make_token(app, w.org_admin, ("transfers",)))
    url = f"/api/v1/transfers/{w.transfer.id}/approve"
    stale = client.post(url, json={"version": w.transfer.version + 5}, headers=h)
    assert stale.status_code == 409 and stale.mimetype == "application/problem+json"
    fresh = client.post(url, json={"version": w.transfer.version}, headers=h)
    assert fresh.status_code == 200 and fresh.get_json()["state"] == "approved_out"
    again = client.post(url, json={"version": w.transfer.version}, headers=h)
    assert again.status_code == 409
