"""Private servers for fault tests: a PostgreSQL cluster and a Redis that the tests may
stop and restart (never the shared ones), and gunicorn serving the app over them.

Ports: PostgreSQL 5440, Redis 6390, gunicorn 5109 (override with FAULTS_PG_PORT,
FAULTS_REDIS_PORT, FAULTS_HTTP_PORT). Everything lives under the session's tmp directory.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
PG_PORT = int(os.environ.get("FAULTS_PG_PORT", "5440"))
REDIS_PORT = int(os.environ.get("FAULTS_REDIS_PORT", "6390"))
HTTP_PORT = int(os.environ.get("FAULTS_HTTP_PORT", "5109"))


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _as_postgres(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the postgres user."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@dataclass
class PrivatePostgres:
    datadir: Path
    port: int
    pg_ctl: str
    log: Path

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def ctl(self, *args: str) -> None:
        subprocess.run(
            _as_postgres([self.pg_ctl, "-D", str(self.datadir), "-l", str(self.log), *args]),
            check=True,
            stdout=subprocess.DEVNULL,
            timeout=120,
        )

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.datadir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.ctl("-w", "-o", opts, "start")

    def stop(self, mode: str = "fast") -> None:
        self.ctl("-w", "-m", mode, "stop")


@pytest.fixture(scope="session")
def private_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivatePostgres]:
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    base = tmp_path_factory.mktemp("pg")
    datadir = base / "data"
    datadir.mkdir()
    log = base / "pg.log"
    log.touch()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(datadir, "postgres")
        shutil.chown(log, "postgres")
        # The postgres user must reach its folder through the session's tmp tree.
        for parent in base.parents:
            if parent == Path("/"):
                break
            parent.chmod(parent.stat().st_mode | 0o011)
    subprocess.run(
        _as_postgres([initdb, "-D", str(datadir), "-A", "trust", "-U", "postgres", "-E", "UTF8"]),
        check=True,
        stdout=subprocess.DEVNULL,
        timeout=120,
    )
    pg = PrivatePostgres(datadir, PG_PORT, pg_ctl, log)
    pg.start()
    try:
        yield pg
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            pg.stop("immediate")


@dataclass
class PrivateRedis:
    port: int
    workdir: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                import redis

                redis.Redis(port=self.port, socket_connect_timeout=0.2).ping()
                return
            except Exception:
                time.sleep(0.05)
        raise RuntimeError("private redis did not start")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture(scope="session")
def private_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateRedis]:
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    r = PrivateRedis(REDIS_PORT, tmp_path_factory.mktemp("redis"))
    r.start()
    try:
        yield r
    finally:
        r.stop()


@dataclass
class Server:
    base: str
    proc: subprocess.Popen[bytes]
    access_log: Path
    error_log: Path
    env: dict[str, str] = field(default_factory=dict)

    def get(self, path: str, **kw: object) -> requests.Response:
        return requests.get(self.base + path, timeout=10, allow_redirects=False, **kw)  # type: ignore[arg-type]

    def statuses(self) -> list[int]:
        """Statuses of every request in the access log so far."""
        out = []
        for line in self.access_log.read_text().splitlines():
            parts = line.split('"')
            if len(parts) > 2 and parts[2].split():
                out.append(int(parts[2].split()[0]))
        return out


def start_gunicorn(env: dict[str, str], workdir: Path, port: int = HTTP_PORT) -> Server:
    """gunicorn with the repo's config, 2 workers, on `port`; waits for /healthz."""
    access, error = workdir / "access.log", workdir / "error.log"
    full_env = {
        **os.environ,
        "DIRECTORY_CONFIG": "prod",
        "DIRECTORY_SECRET_KEY": "faults-secret-key",
        "DIRECTORY_SESSION_COOKIE_SECURE": "false",
        "DIRECTORY_REMEMBER_COOKIE_SECURE": "false",
        "DIRECTORY_TRUSTED_HOSTS": "127.0.0.1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_ACCESSLOG": str(access),
        "GUNICORN_ERRORLOG": str(error),
        **env,
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=full_env,
    )
    server = Server(f"http://127.0.0.1:{port}", proc, access, error, full_env)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {error.read_text() if error.exists() else ''}")
        try:
            if server.get("/healthz").status_code == 200:
                return server
        except requests.RequestException:
            pass
        time.sleep(0.3)
    stop_gunicorn(server)
    raise RuntimeError("gunicorn did not answer /healthz in 90 s")


def stop_gunicorn(server: Server) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait(timeout=10)
