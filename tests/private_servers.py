"""Private servers that tests may stop and restart (never the shared ones): a PostgreSQL
cluster and a Redis, each once per session (a plugin of the root conftest, so the fault and
deploy tests share one instance; a fixture defined in two conftests would start two servers
on one port, and the second would silently talk to the first).

Ports: PostgreSQL 5440, Redis 6390, gunicorn 5109 (override with FAULTS_PG_PORT,
FAULTS_REDIS_PORT, FAULTS_HTTP_PORT; each pytest-xdist worker after the first adds 20). Everything lives under the session's tmp directory.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def worker_port(variable: str, default: int) -> int:
    """A fixed port from `variable` (or `default`), moved up by 20 per pytest-xdist worker
    after the first, so the workers of one run never reach for the same port."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    return int(os.environ.get(variable, str(default))) + 20 * int(worker or 0)


PG_PORT = worker_port("FAULTS_PG_PORT", 5440)
REDIS_PORT = worker_port("FAULTS_REDIS_PORT", 6390)
HTTP_PORT = worker_port("FAULTS_HTTP_PORT", 5109)


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
        import redis

        for _ in range(100):
            if self.proc.poll() is not None:  # e.g. the port is taken
                raise RuntimeError(f"private redis exited with {self.proc.returncode}")
            try:
                info = redis.Redis(port=self.port, socket_connect_timeout=0.2).info("server")
            except redis.RedisError:
                time.sleep(0.05)
                continue
            if info["process_id"] != self.proc.pid:  # never stop and start another's
                raise RuntimeError(f"port {self.port} is served by pid {info['process_id']}")
            return
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
