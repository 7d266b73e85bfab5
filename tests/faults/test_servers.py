"""Faults under real traffic: PostgreSQL restarted, Redis stopped (gunicorn, 2 workers).

Each check: nothing committed is lost, the app answers 503 (database) or keeps serving
(Redis) meanwhile, and recovers by itself, without a restart. They use their own
PostgreSQL cluster and Redis (tests/private_servers.py) and run once, in the SQLite pass.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from directory.search import sync
from tests.conftest import PASSWORD, PG_URL
from tests.faults.conftest import Server, start_gunicorn, stop_gunicorn
from tests.groups.conftest import make_group, make_thread

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(bool(PG_URL), reason="own PostgreSQL and Redis: runs in the SQLite pass"),
]


@pytest.fixture
def private_db(private_postgres):
    """A fresh database in the private cluster."""
    name = f"faults_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(private_postgres.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = private_postgres.url.rsplit("/", 1)[0] + f"/{name}"
    yield url
    admin.dispose()
    engine = sa.create_engine(private_postgres.url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture
def served(app_config, private_db, private_redis, tmp_path):
    app_config["SQLALCHEMY_DATABASE_URI"] = private_db
    return app_config


@pytest.fixture
def server(served, app, cadre, tmp_path) -> Server:
    """gunicorn over the private PostgreSQL and Redis, with a thread the cadre can answer."""
    group = make_group(cadre, "故障演练群")
    thread = make_thread(cadre, group)
    sync.reindex()
    env = {
        "DIRECTORY_DATABASE_URL": str(served["SQLALCHEMY_DATABASE_URI"]),
        "DIRECTORY_REDIS_URL": f"redis://127.0.0.1:{_redis_port(served)}/0",
        "DIRECTORY_SEARCH_INDEX_DIR": str(served["SEARCH_INDEX_DIR"]),
        "DIRECTORY_UPLOAD_DIR": str(served["UPLOAD_DIR"]),
        "DIRECTORY_RATELIMIT_KEY_PREFIX": f"faults-{uuid.uuid4().hex}",
        "DIRECTORY_GROUP_POST_RATE_LIMIT": "1000 per minute",
    }
    s = start_gunicorn(env, tmp_path)
    s.env["thread"] = f"/groups/threads/{thread.id}"
    s.env["email"] = cadre.email
    yield s
    stop_gunicorn(s)
    # The test's own connections died with the restart: drop them before the cleanup.
    from directory.extensions import db

    db.session().invalidate()
    db.session.remove()
    db.engine.dispose()


def _redis_port(_config) -> int:
    from tests.private_servers import REDIS_PORT

    return REDIS_PORT


def _signed_in(server: Server, email: str) -> tuple[requests.Session, str]:
    http = requests.Session()
    page = http.get(server.base + "/auth/login", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    r = http.post(
        server.base + "/auth/login",
        data={"csrf_token": token, "email": email, "password": PASSWORD},
        allow_redirects=False,
        timeout=10,
    )
    assert r.status_code == 302, r.text[:300]
    home = http.get(server.base + "/", timeout=10).text
    token = re.search(r'"X-CSRFToken": "([^"]+)"', home).group(1)  # type: ignore[union-attr]
    return http, token


def _wait_ready(server: Server, seconds: float = 30) -> None:
    """Poll /readyz until it answers 200 (a loaded machine can be slow to get there)."""
    deadline = time.monotonic() + seconds
    while (r := server.get("/readyz")).status_code != 200:
        assert time.monotonic() < deadline, f"readyz is not ready: {r.text[:300]}"
        time.sleep(0.2)


def test_postgres_restart_mid_traffic(server, private_postgres, private_db):
    http, token = _signed_in(server, server.env["email"])
    thread = server.env["thread"]
    log: list[tuple[float, str, int]] = []
    written: list[str] = []
    stop = threading.Event()

    def reader() -> None:
        s = requests.Session()
        s.cookies.update(http.cookies)
        while not stop.is_set():
            try:
                r = s.get(server.base + thread, timeout=10, allow_redirects=False)
                log.append((time.monotonic(), "GET", r.status_code))
                if r.status_code == 503:
                    assert r.headers["Retry-After"] and "请稍后重试" in r.text
            except requests.RequestException:
                log.append((time.monotonic(), "GET", 0))
            time.sleep(0.02)

    def writer() -> None:
        s = requests.Session()
        s.cookies.update(http.cookies)
        n = 0
        while not stop.is_set():
            n += 1
            body = f"故障演练 {n} {uuid.uuid4().hex[:6]}"
            try:
                r = s.post(
                    server.base + thread + "/reply",
                    data={"csrf_token": token, "body": body},
                    timeout=10,
                    allow_redirects=False,
                )
                log.append((time.monotonic(), "POST", r.status_code))
                if r.status_code == 303:
                    written.append(body)
            except requests.RequestException:
                log.append((time.monotonic(), "POST", 0))
            time.sleep(0.2)

    threads = [threading.Thread(target=reader), threading.Thread(target=writer)]
    for t in threads:
        t.start()
    try:
        time.sleep(2)
        down_at = time.monotonic()
        private_postgres.stop("fast")
        time.sleep(3)
        private_postgres.start()
        up_at = time.monotonic()
        time.sleep(6)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)

    codes = [c for _, _, c in log]
    assert set(codes) <= {200, 303, 503}, sorted(set(codes))
    assert any(c == 503 for t, _, c in log if down_at <= t <= up_at), "outage not observed"
    # Recovered by itself: everything from 3 s after the restart on succeeded.
    late = [c for t, _, c in log if t >= up_at + 3]
    assert late and set(late) <= {200, 303}, late
    assert 500 not in server.statuses()
    # Nothing committed is lost: every reply answered 303 is in the database.
    engine = sa.create_engine(private_db)
    with engine.connect() as conn:
        bodies = set(conn.scalars(sa.text("SELECT body FROM group_post")))
    engine.dispose()
    assert written and set(written) <= bodies
    _wait_ready(server)
    print(f"pg restart: {len(log)} requests, {codes.count(503)} answered 503, 0 errors")


def test_redis_down_pages_and_sign_in_keep_working(server, private_redis):
    _wait_ready(server)
    private_redis.stop()
    try:
        # Sign-in (rate-limited per address and per e-mail in Redis) still works.
        http, _token = _signed_in(server, server.env["email"])
        for path in ("/", server.env["thread"], "/search/?q=张"):
            assert http.get(server.base + path, timeout=10).status_code == 200, path
        r = server.get("/readyz")
        assert r.status_code == 503 and r.json()["checks"]["redis"]["ok"] is False, r.text
        assert server.get("/healthz").status_code == 200
    finally:
        private_redis.start()
    _wait_ready(server)  # it recovers once Redis is back
    assert 500 not in server.statuses()


def test_index_directory_deleted_is_rebuilt_by_search_check(app, client, runner, cadre):
    """`flask search check` rebuilds a deleted Whoosh index; /readyz says so meanwhile."""
    import shutil

    from tests.search.helpers import names

    sync.reindex()
    shutil.rmtree(Path(app.config["SEARCH_INDEX_DIR"]))
    assert client.get("/readyz").status_code == 503
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0, result.output
    assert "repaired" in result.output
    assert client.get("/readyz").status_code == 200
    assert cadre.name in names(cadre, q=cadre.name)
