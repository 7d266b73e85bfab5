"""Production settings, CSRF and rate limiting (turned back on through `app_config`)."""

from __future__ import annotations

import re
import uuid

import pytest
from flask import g

from directory import create_app
from directory.config import Config
from directory.extensions import db
from tests.conftest import PASSWORD

REDIS_URL = "redis://127.0.0.1:6379/0"


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.delenv("DIRECTORY_SECRET_KEY", raising=False)
    monkeypatch.delenv("DIRECTORY_CONFIG", raising=False)
    with pytest.raises(RuntimeError, match="DIRECTORY_SECRET_KEY"):
        create_app(Config)


def test_production_cookie_flags(monkeypatch, tmp_path, cadre, app_config):
    """Secure, HttpOnly and SameSite=Lax on the session and remember cookies."""
    monkeypatch.setenv("DIRECTORY_SECRET_KEY", "a-real-secret-for-this-test")
    monkeypatch.setenv("DIRECTORY_DATABASE_URL", str(app_config["SQLALCHEMY_DATABASE_URI"]))
    monkeypatch.setenv("DIRECTORY_RATELIMIT_ENABLED", "false")
    monkeypatch.setenv("DIRECTORY_SEARCH_INDEX_DIR", str(tmp_path / "prod-index"))
    prod = create_app(Config)
    assert prod.config["SECRET_KEY"] == "a-real-secret-for-this-test"
    prod.config["WTF_CSRF_ENABLED"] = False  # posting the form directly below
    c = prod.test_client()
    r = c.post(
        "/auth/login",
        base_url="https://localhost",
        data={"email": cadre.email, "password": PASSWORD, "remember": "y"},
    )
    assert r.status_code == 302
    with prod.app_context():
        db.engine.dispose()
    cookies = {h.split("=", 1)[0]: h for h in r.headers.getlist("Set-Cookie")}
    for name in ("session", "remember_token"):
        header = cookies[name]
        assert "Secure" in header, header
        assert "HttpOnly" in header, header
        assert "SameSite=Lax" in header, header


# --- CSRF -------------------------------------------------------------------------------


@pytest.fixture
def csrf_on(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


@pytest.fixture
def csrf_client(csrf_on, app):
    @app.before_request
    def _fresh_csrf_cache() -> None:
        # Test requests share the test's `g`; a real request starts with an empty one.
        g.pop("csrf_token", None)

    return app.test_client()


def _token(client) -> str:
    page = client.get("/auth/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, "no CSRF token in the login form"
    assert 'hx-headers=\'{"X-CSRFToken": "' in page
    return match.group(1)


def test_post_without_or_with_wrong_csrf_token_is_400(csrf_client, cadre):
    client = csrf_client
    _token(client)
    for data in (
        {"email": cadre.email, "password": PASSWORD},
        {"email": cadre.email, "password": PASSWORD, "csrf_token": "forged"},
    ):
        r = client.post("/auth/login", data=data)
        assert r.status_code == 400
        assert "安全令牌（CSRF）" in r.get_data(as_text=True)
    with client.session_transaction() as s:
        assert "_user_id" not in s


def test_post_with_csrf_token_in_form(csrf_client, cadre):
    client = csrf_client
    token = _token(client)
    r = client.post(
        "/auth/login", data={"email": cadre.email, "password": PASSWORD, "csrf_token": token}
    )
    assert r.status_code == 302


def test_post_with_csrf_token_in_htmx_header(csrf_client, cadre):
    client = csrf_client
    token = _token(client)
    r = client.post(
        "/auth/login",
        data={"email": cadre.email, "password": PASSWORD},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )
    assert r.status_code == 302
    # Signed in now; an admin-area POST with the header token is accepted too.
    page = client.get("/").get_data(as_text=True)
    header_token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    r = client.post("/auth/logout", headers={"X-CSRFToken": header_token})
    assert r.status_code == 302
    assert client.get("/").status_code == 302


# --- Rate limiting ----------------------------------------------------------------------


def _eleven_failed_logins(client, email: str) -> list[int]:
    return [
        client.post("/auth/login", data={"email": email, "password": f"wrong-{i}"}).status_code
        for i in range(11)
    ]


@pytest.fixture
def limited(app_config):
    app_config.update(RATELIMIT_ENABLED=True, RATELIMIT_KEY_PREFIX=f"t-{uuid.uuid4().hex}")
    return app_config


def _assert_limited(client, email: str) -> None:
    codes = _eleven_failed_logins(client, email)
    assert codes[:10] == [422] * 10
    assert codes[10] == 429
    r = client.post("/auth/login", data={"email": email, "password": "wrong"})
    assert r.status_code == 429
    assert "操作过于频繁，请稍后再试" in r.get_data(as_text=True)
    # GETs are not limited: the page stays reachable.
    assert client.get("/auth/login").status_code == 200


def test_eleventh_failed_login_is_429_memory(limited, client, cadre):
    assert client.application.config["RATELIMIT_STORAGE_URI"] == "memory://"
    _assert_limited(client, cadre.email)


def test_limit_is_per_account_too(limited, app, cadre):
    """Rotating client addresses does not escape the per-e-mail limit."""
    codes = [
        app.test_client()
        .post(
            "/auth/login",
            data={"email": cadre.email, "password": "wrong"},
            environ_base={"REMOTE_ADDR": f"10.0.0.{i}"},
        )
        .status_code
        for i in range(11)
    ]
    assert codes[:10] == [422] * 10 and codes[10] == 429


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.fixture
def limited_redis(limited):
    if not _redis_up():
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    # The production wiring: DIRECTORY_REDIS_URL selects Redis for the limiter.
    limited.update(REDIS_URL=REDIS_URL, RATELIMIT_STORAGE_URI=None)
    return limited


def test_eleventh_failed_login_is_429_redis(limited_redis, client, cadre):
    import redis

    assert client.application.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
    _assert_limited(client, cadre.email)
    prefix = str(limited_redis["RATELIMIT_KEY_PREFIX"])
    r = redis.Redis.from_url(REDIS_URL)
    keys = list(r.scan_iter(f"*{prefix}*"))
    assert keys, "the limiter did not write to Redis"
    r.delete(*keys)


def test_the_rate_limit_key_prefix_is_read_from_the_environment(monkeypatch):
    """Instances sharing one Redis set DIRECTORY_RATELIMIT_KEY_PREFIX (bin/smoke, the
    deploy and fault tests do); it was ignored: only settings the class defines are read."""
    monkeypatch.setenv("DIRECTORY_RATELIMIT_KEY_PREFIX", "province-51")
    assert Config.load()["RATELIMIT_KEY_PREFIX"] == "province-51"
