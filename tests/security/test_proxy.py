"""Per-address rate limits behind a reverse proxy (PROXY_COUNT) and without one."""

from __future__ import annotations

import uuid

import pytest


def _limited(app_config, proxies: int):  # type: ignore[no-untyped-def]
    app_config.update(
        RATELIMIT_ENABLED=True,
        RATELIMIT_KEY_PREFIX=f"t-{uuid.uuid4().hex}",
        LOGIN_RATE_LIMIT="2 per minute",
        PROXY_COUNT=proxies,
    )
    return app_config


@pytest.fixture
def behind_proxy(app_config):
    return _limited(app_config, 1)


@pytest.fixture
def no_proxy(app_config):
    return _limited(app_config, 0)


def _attempts(client, address: str, n: int, email: str) -> list[int]:  # type: ignore[no-untyped-def]
    data = {"email": email, "password": "wrong-password-1"}
    return [
        client.post("/auth/login", data=data, headers={"X-Forwarded-For": address}).status_code
        for _ in range(n)
    ]


def test_behind_a_proxy_each_client_address_has_its_own_limit(behind_proxy, client):
    assert _attempts(client, "203.0.113.7", 3, "a@example.org") == [422, 422, 429]
    # Another client behind the same proxy is not locked out by the first one.
    assert _attempts(client, "198.51.100.9", 1, "b@example.org") == [422]


def test_without_a_trusted_proxy_a_forged_address_does_not_dodge_the_limit(no_proxy, client):
    assert _attempts(client, "203.0.113.7", 2, "a@example.org") == [422, 422]
    assert _attempts(client, "198.51.100.9", 1, "b@example.org") == [429]
