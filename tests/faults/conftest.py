"""gunicorn serving the app over the private PostgreSQL and Redis (`tests/private_servers.py`)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.private_servers import HTTP_PORT, ROOT


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
