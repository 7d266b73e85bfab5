"""deploy/nginx/tuanyoulu.conf, served for real: `nginx -t` accepts it, static files come
from disk, the app answers through it over TLS with Secure cookies and HSTS, and the
per-address rate limits see the client's address (not the proxy's, not a forged one).

The repo's file is used as is; only its paths, ports and certificate are substituted.
Skipped where nginx or openssl is not installed (Debian: apt-get install nginx-light).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests
import requests.adapters
import urllib3

from tests.conftest import PASSWORD, PG_URL
from tests.faults.conftest import start_gunicorn, stop_gunicorn
from tests.groups.conftest import make_group, make_thread
from tests.private_servers import worker_port

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "deploy" / "nginx" / "tuanyoulu.conf"
HTTPS_PORT = worker_port("NGINX_TEST_PORT", 5107)
APP_PORT = worker_port("NGINX_TEST_APP_PORT", 5109)

pytestmark = [
    pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed"),
    pytest.mark.skipif(not shutil.which("openssl"), reason="openssl is not installed"),
    pytest.mark.skipif(bool(PG_URL), reason="serves a SQLite instance; runs in the SQLite pass"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def render(workdir: Path, http_port: int) -> Path:
    """The repo's server blocks with this machine's paths and ports, in a whole nginx.conf."""
    cert, key = workdir / "cert.pem", workdir / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    site = CONF.read_text()
    for old, new in (
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{APP_PORT};"),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{HTTPS_PORT} ssl http2;"),
        ("/etc/ssl/tuanyoulu/fullchain.pem", str(cert)),
        ("/etc/ssl/tuanyoulu/privkey.pem", str(key)),
        ("/srv/tuanyoulu/static/", f"{ROOT / 'static'}/"),
        ("server_name tuanyoulu.example.org;", "server_name localhost;"),
        ("shared:tuanyoulu_tls:10m", f"shared:tyl_{uuid.uuid4().hex[:6]}:1m"),
    ):
        assert old in site, f"{old!r} no longer in {CONF.name}: update this test"
        site = site.replace(old, new)
    (workdir / "site.conf").write_text(site)
    temp = "\n".join(
        f"  {kind}_temp_path {workdir / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    main = f"""
{"user root;" if os.geteuid() == 0 else ""}
worker_processes 1;
pid {workdir / "nginx.pid"};
error_log {workdir / "error.log"} warn;
events {{ worker_connections 64; }}
http {{
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log {workdir / "access.log"};
{temp}
  include {workdir / "site.conf"};
}}
"""
    path = workdir / "nginx.conf"
    path.write_text(main)
    return path


@pytest.fixture
def proxied(app_config, tmp_path):
    app_config.update(
        RATELIMIT_ENABLED=True,
        RATELIMIT_KEY_PREFIX=f"nginx-{uuid.uuid4().hex}",
        LOGIN_RATE_LIMIT="3 per minute",
    )
    return app_config


@pytest.fixture
def stack(proxied, app, cadre, world, tmp_path, private_redis):
    """gunicorn (PROXY_COUNT=1, Secure cookies) behind nginx with the repo's config."""
    from directory.search import sync

    group = make_group(cadre, "代理演练群")
    make_thread(cadre, group)
    sync.reindex()
    nginx_dir = tmp_path / "nginx"
    nginx_dir.mkdir()
    conf = render(nginx_dir, _free_port())
    test = subprocess.run(
        ["nginx", "-t", "-c", str(conf), "-p", str(nginx_dir)], capture_output=True, text=True
    )
    assert test.returncode == 0, test.stderr
    assert "syntax is ok" in test.stderr and "test is successful" in test.stderr
    env = {
        "DIRECTORY_DATABASE_URL": str(proxied["SQLALCHEMY_DATABASE_URI"]),
        "DIRECTORY_SEARCH_INDEX_DIR": str(proxied["SEARCH_INDEX_DIR"]),
        "DIRECTORY_UPLOAD_DIR": str(proxied["UPLOAD_DIR"]),
        "DIRECTORY_PROXY_COUNT": "1",
        # Limits shared by the two workers (in memory each would count alone).
        "DIRECTORY_REDIS_URL": private_redis.url,
        "DIRECTORY_SESSION_COOKIE_SECURE": "true",
        "DIRECTORY_REMEMBER_COOKIE_SECURE": "true",
        "DIRECTORY_TRUSTED_HOSTS": "localhost,127.0.0.1",
        "DIRECTORY_RATELIMIT_KEY_PREFIX": str(proxied["RATELIMIT_KEY_PREFIX"]),
        "DIRECTORY_LOGIN_RATE_LIMIT": "3 per minute",
    }
    server = start_gunicorn(env, tmp_path, port=APP_PORT)
    nginx = subprocess.Popen(
        ["nginx", "-c", str(conf), "-p", str(nginx_dir), "-g", "daemon off;"],
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"https://localhost:{HTTPS_PORT}"
        urllib3.disable_warnings()
        deadline = time.monotonic() + 20
        while True:
            try:
                if requests.get(base + "/healthz", verify=False, timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert nginx.poll() is None, (nginx_dir / "error.log").read_text()
            assert time.monotonic() < deadline, (nginx_dir / "error.log").read_text()
            time.sleep(0.2)
        yield base, server, cadre
    finally:
        nginx.send_signal(signal.SIGQUIT)
        nginx.wait(timeout=30)
        stop_gunicorn(server)


def test_static_files_come_from_nginx_with_hsts(stack):
    base, server, _cadre = stack
    r = requests.get(base + "/static/css/app.css", verify=False, timeout=5)
    assert r.status_code == 200 and "text/css" in r.headers["Content-Type"]
    assert r.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert "Expires" in r.headers and r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.content == (ROOT / "static" / "css" / "app.css").read_bytes()
    # The app never saw it. gunicorn writes a request's line after answering it, so a
    # count of lines raced with the start-up probe's; wait for a later request's line.
    marker = f"/healthz?after-static={uuid.uuid4().hex}"
    assert requests.get(base + marker, verify=False, timeout=5).status_code == 200
    deadline = time.monotonic() + 10
    while marker not in (log := server.access_log.read_text()):
        assert time.monotonic() < deadline, log
        time.sleep(0.05)
    assert "/static/" not in log


def test_app_through_nginx_has_one_hsts_and_its_own_headers(stack):
    base, _server, _cadre = stack
    r = requests.get(base + "/auth/login", verify=False, timeout=5)
    assert r.status_code == 200
    assert r.raw.headers.getlist("Strict-Transport-Security") == ["max-age=31536000"]
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert "Server" not in r.headers or "nginx/" not in r.headers["Server"]


def test_http_redirects_to_https(stack):
    conf = Path(stack[1].access_log).parent / "nginx" / "site.conf"
    http_port = next(
        line.split(":")[1].rstrip(";").strip()
        for line in conf.read_text().splitlines()
        if "listen 127.0.0.1:" in line and "ssl" not in line
    )
    r = requests.get(f"http://localhost:{http_port}/auth/login", timeout=5, allow_redirects=False)
    assert r.status_code == 301 and r.headers["Location"].startswith("https://localhost")


def test_smoke_journey_through_nginx_over_tls(stack):
    """The whole smoke journey (sign in, search, thread, reply, transfer) through nginx:
    Secure cookies come back only because the app knows the request was HTTPS."""
    base, _server, cadre = stack
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "smoke.py"),
            base,
            "--insecure",
            "--email",
            cadre.email,
            "--password",
            PASSWORD,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "smoke journey ok" in done.stdout


class _FromAddress(requests.adapters.HTTPAdapter):
    """Connections from a chosen local address (any 127.x.y.z is this machine)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def _client(address: str, base: str) -> requests.Session:
    s = requests.Session()
    s.trust_env = False
    s.verify = False
    s.mount("https://", _FromAddress(address))
    s.headers["Referer"] = base + "/"
    return s


def _login_from(address: str, base: str, email: str) -> int:
    """A wrong-password sign-in (with a valid CSRF token) sent from `address`."""
    s = _client(address, base)
    page = s.get(base + "/auth/login", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    r = s.post(
        base + "/auth/login",
        data={"csrf_token": token, "email": email, "password": "wrong-password-1"},
        # A forged address: nginx appends the real one and the app reads only that.
        headers={"X-Forwarded-For": f"203.0.113.{uuid.uuid4().int % 250}"},
        timeout=10,
        allow_redirects=False,
    )
    return r.status_code


def test_per_address_limits_see_the_client_behind_nginx(stack):
    base, _server, _cadre = stack
    codes = [_login_from("127.0.0.2", base, f"a{i}@example.org") for i in range(4)]
    assert codes == [422, 422, 422, 429], codes
    # Another client address behind the same proxy has its own budget.
    assert _login_from("127.0.0.3", base, "b@example.org") == 422
