"""/healthz and /readyz; a database outage answers 503; a dead Redis is not a 500."""

from __future__ import annotations

import socket
import time
import uuid

import pytest
from sqlalchemy import event

from directory.extensions import db
from directory.search import sync
from tests.conftest import PASSWORD


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_healthz_answers_without_touching_anything(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.is_json and r.json["status"] == "ok" and isinstance(r.json["pid"], int)
    assert r.headers["Cache-Control"] == "no-store"


def test_readyz_is_ready_with_database_and_index(app, client, world):
    with app.app_context():
        sync.reindex()
    r = client.get("/readyz")
    assert r.status_code == 200, r.json
    assert r.json["status"] == "ok"
    assert set(r.json["checks"]) == {"database", "search"}
    assert all(c["ok"] for c in r.json["checks"].values())


def test_readyz_names_a_missing_index(app, client, world):
    """Whoosh with no index yet (or its directory deleted): not ready, and says why."""
    if app.config["SEARCH_BACKEND"] != "whoosh":
        pytest.skip("the Whoosh index directory")
    r = client.get("/readyz")
    assert r.status_code == 503
    assert r.json["status"] == "unavailable"
    assert r.json["checks"]["database"]["ok"] is True
    assert r.json["checks"]["search"]["ok"] is False
    assert "person" in r.json["checks"]["search"]["detail"]


def test_readyz_reports_a_dead_redis_quickly(app_config, app, client, world):
    app.config["REDIS_URL"] = f"redis://127.0.0.1:{_closed_port()}/0"
    with app.app_context():
        sync.reindex()
    started = time.perf_counter()
    r = client.get("/readyz")
    assert time.perf_counter() - started < 5
    assert r.status_code == 503
    assert r.json["checks"]["redis"]["ok"] is False
    assert r.json["checks"]["database"]["ok"] is True
    assert "redis://" not in r.get_data(as_text=True)  # no URL (could hold a password)


def test_probes_are_not_rate_limited(app_config, client):
    app_config.update(RATELIMIT_ENABLED=True, RATELIMIT_DEFAULT="2 per minute")
    codes = {client.get("/healthz").status_code for _ in range(5)}
    assert codes == {200}


@pytest.fixture
def unreachable_database(app):
    """Every new connection is refused, as while PostgreSQL restarts (both databases)."""
    engine = db.engine
    dbapi = engine.dialect.dbapi

    def refuse(dialect, conn_rec, cargs, cparams):
        raise dbapi.OperationalError("connection refused (test)")

    engine.dispose()
    event.listen(engine, "do_connect", refuse)
    yield app
    event.remove(engine, "do_connect", refuse)
    engine.dispose()


def test_database_down_is_503_with_retry_message(unreachable_database, client):
    r = client.post("/auth/login", data={"email": "a@example.org", "password": "x" * 10})
    assert r.status_code == 503
    assert r.headers["Retry-After"] == "5"
    assert r.headers["Cache-Control"] == "no-store"
    body = r.get_data(as_text=True)
    assert "请稍后重试" in body and "<html" in body
    assert "Content-Security-Policy" in r.headers  # the security headers still apply


def test_database_down_htmx_gets_a_fragment(unreachable_database, client):
    r = client.post(
        "/auth/login",
        data={"email": "a@example.org", "password": "x" * 10},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 503
    body = r.get_data(as_text=True)
    assert body.startswith('<p class="flash flash-error" role="alert">') and "<html" not in body


def test_database_down_readyz_is_503_healthz_still_200(unreachable_database, client):
    assert client.get("/healthz").status_code == 200
    r = client.get("/readyz")
    assert r.status_code == 503 and r.json["checks"]["database"]["ok"] is False


def test_database_down_page_in_english(unreachable_database, client):
    client.set_cookie("lang", "en")
    r = client.post("/auth/login", data={"email": "a@example.org", "password": "x" * 10})
    assert r.status_code == 503
    assert "try again" in r.get_data(as_text=True)


@pytest.fixture
def dead_redis_limits(app_config):
    """Rate limits kept in a Redis that does not answer."""
    app_config.update(
        RATELIMIT_ENABLED=True,
        REDIS_URL=f"redis://127.0.0.1:{_closed_port()}/0",
        RATELIMIT_STORAGE_URI=None,
        RATELIMIT_KEY_PREFIX=f"t-{uuid.uuid4().hex}",
        LOGIN_RATE_LIMIT="3 per minute",
    )
    return app_config


def test_sign_in_works_with_redis_down_and_limits_still_hold(dead_redis_limits, client, cadre):
    """Redis down: sign-in is not a 500; the limits fall back to the worker's memory."""
    wrong = {"email": cadre.email, "password": "wrong-password-1"}
    codes = [client.post("/auth/login", data=wrong).status_code for _ in range(4)]
    assert 500 not in codes
    assert codes[-1] == 429, codes
    other = client.application.test_client()
    r = other.post("/auth/login", data={"email": cadre.email, "password": PASSWORD})
    assert r.status_code in {302, 303, 429}


def test_a_connection_dying_after_the_response_is_not_a_500(app, monkeypatch):
    """The end-of-request close rolls back; on a dead connection that must not raise."""
    from sqlalchemy import text

    from directory.web.unavailable import release_session

    db.session.execute(text("SELECT 1"))  # the session holds a connection in a transaction
    raw = db.session.connection().connection.dbapi_connection
    dialect = db.engine.dialect

    def dead(dbapi_connection):
        raise dialect.dbapi.OperationalError("terminating connection (test)")

    monkeypatch.setattr(dialect, "do_rollback", dead)
    release_session()  # does not raise
    monkeypatch.undo()
    assert db.session.execute(text("SELECT 1")).scalar() == 1  # a fresh session works
    # The discarded connection is only dropped (on a dead server it is gone anyway); close
    # the test's live one instead of leaving it to the garbage collector.
    raw.close()


def test_health_jobs_sees_a_ping_job_done(app, runner):
    """`flask health jobs` (immediate queue in tests; a real runner in bin/smoke)."""
    result = runner.invoke(args=["health", "jobs", "--timeout", "5"])
    assert result.exit_code == 0, result.output
    assert "done by runner pid" in result.output
