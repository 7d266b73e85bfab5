"""Rate limits on password change, group creation and invitations (finding 10);
Cache-Control: no-store on signed-in pages and API answers (finding 11)."""

from __future__ import annotations

import uuid

import pytest

from tests.factories import make_person
from tests.groups.conftest import make_group


@pytest.fixture
def limited(app_config):
    app_config.update(
        RATELIMIT_ENABLED=True,
        RATELIMIT_KEY_PREFIX=f"t-{uuid.uuid4().hex}",
        PASSWORD_CHANGE_RATE_LIMIT="3 per minute",
        GROUP_CREATE_RATE_LIMIT="2 per hour",
        GROUP_INVITE_RATE_LIMIT="2 per hour",
    )
    return app_config


def test_password_change_is_rate_limited(limited, client, auth, cadre):
    auth.login(cadre)
    data = {"current_password": "wrong", "new_password": "new-pass-77", "confirm": "new-pass-77"}
    codes = [client.post("/auth/password", data=data).status_code for _ in range(4)]
    assert codes == [422, 422, 422, 429]
    assert client.get("/auth/password").status_code == 200


def test_group_creation_is_rate_limited(limited, client, auth, cadre):
    auth.login(cadre)
    codes = [
        client.post(
            "/groups/new",
            data={"name": f"群{i}", "join_policy": "open", "visibility": "public"},
        ).status_code
        for i in range(3)
    ]
    assert codes[:2] == [303, 303] and codes[2] == 429


def test_invitations_are_rate_limited(limited, client, auth, owner, world):
    group = make_group(owner)
    others = [make_person(membership_org_id=world.street_org.id) for _ in range(3)]
    auth.login(owner)
    codes = [
        client.post(f"/groups/{group.id}/invite", data={"person": str(p.id)}).status_code
        for p in others
    ]
    assert codes == [303, 303, 429]


@pytest.mark.parametrize(
    "path", ["/", "/people/", "/auth/password", "/api/v1/people", "/notifications/"]
)
def test_signed_in_answers_are_not_stored(client, auth, cadre, path):
    auth.login(cadre)
    r = client.get(path)
    assert r.status_code in {200, 302}, (path, r.status_code)
    assert r.headers.get("Cache-Control") == "no-store"


def test_profile_edit_is_not_stored(client, auth, cadre):
    auth.login(cadre)
    r = client.get(f"/people/{cadre.id}/edit")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    assert "Cookie" in r.headers["Vary"]
