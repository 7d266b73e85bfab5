"""HTTP part of bench/search.py: gunicorn with 2 workers, a small threaded load generator."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import statistics
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

from bench._report import ROOT

DEMO_EMAIL = "cadre@demo.tuanyoulu.cn"
DEMO_PASSWORD = "demo-password-2026"
QUERIES = [
    "q=张",
    "q=zhang",
    "q=zt",
    "q=南充",
    "q=书记",
    "q=团委&region=5113",
    "region=5113",
    "q=委员&region=51&status=current&page=3",
    "q=liwei",
    "q=王t",
]


def _free_port(env: dict[str, str] | None = None) -> int:
    reserved = (env or {}).get("SEARCH_BENCH_PORT") or os.environ.get("SEARCH_BENCH_PORT")
    if reserved:  # a port reserved for this run
        return int(reserved)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]


def _port_free(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return True
    return False


def _stop(proc: subprocess.Popen[bytes], port: int, grace: float = 20.0) -> None:
    """Stop this gunicorn by its pid: a quick shutdown (SIGINT), then SIGKILL to that pid
    only if it has not exited within `grace` seconds; then wait for its port to close.

    Never raises: a slow stop must not lose the figures measured before it (gunicorn's
    graceful SIGTERM waits up to 30 s for busy workers, longer than the old 10 s wait).
    """
    if proc.poll() is None:
        try:
            proc.send_signal(signal.SIGINT)
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                print(f"gunicorn {proc.pid} did not exit after SIGKILL", flush=True)
    # Its workers exit once they see their master gone; the next run may reuse the port.
    deadline = time.perf_counter() + grace
    while not _port_free(port) and time.perf_counter() < deadline:
        time.sleep(0.2)


def _login(port: int) -> str:
    """Sign in as the demo cadre; return the Cookie header."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/auth/login")
    r = conn.getresponse()
    page = r.read().decode()
    cookie = r.getheader("Set-Cookie", "").split(";")[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    body = urllib.parse.urlencode(
        {
            "email": DEMO_EMAIL,
            "password": DEMO_PASSWORD,
            "csrf_token": token.group(1) if token else "",
        }
    )
    conn.request(
        "POST",
        "/auth/login",
        body,
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    r = conn.getresponse()
    r.read()
    cookie = r.getheader("Set-Cookie", cookie).split(";")[0]
    conn.close()
    return cookie


def http_load(
    env: dict[str, str], seconds: float, clients: int = 8, code: Path = ROOT
) -> dict[str, float]:
    """Serve with gunicorn (2 workers) and hammer the htmx search fragment.

    `code`: the checkout gunicorn imports `wsgi:app` from (another version of the code
    for a before/after; this checkout's virtualenv serves it).
    """
    port = _free_port(env)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            *("-w", "2", "-b", f"127.0.0.1:{port}", "--access-logfile", "/dev/null"),
            *("--graceful-timeout", "5"),
            "wsgi:app",
        ],
        cwd=code,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    try:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", "/auth/login")
                conn.getresponse().read()
                break
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(f"gunicorn exited: {proc.returncode}, port {port}") from None
                if time.perf_counter() - started > 120:
                    raise
                time.sleep(0.1)
        startup = time.perf_counter() - started
        cookie = _login(port)
        latencies: list[float] = []
        errors = [0]
        stop = time.perf_counter() + seconds
        lock = threading.Lock()

        def client(i: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            n = i
            while time.perf_counter() < stop:
                query = urllib.parse.quote(QUERIES[n % len(QUERIES)], safe="=&")
                n += 1
                t = time.perf_counter()
                try:
                    conn.request(
                        "GET",
                        f"/search/?{query}",
                        headers={"Cookie": cookie, "HX-Request": "true", "HX-Target": "results"},
                    )
                    r = conn.getresponse()
                    r.read()
                    ok = r.status == 200
                except (OSError, http.client.HTTPException):
                    # A dropped connection (a worker timed out) is an error, not a crash.
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    ok = False
                with lock:
                    latencies.append(time.perf_counter() - t)
                    if not ok:
                        errors[0] += 1
            conn.close()

        t0 = time.perf_counter()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
        try:
            children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
            rss = max(_rss_mb(int(c)) for c in children) if children else 0.0
        except (OSError, AttributeError):  # a worker restarting at that moment
            rss = 0.0
        latencies.sort()
        return {
            "clients": clients,
            "seconds": elapsed,
            "rps": len(latencies) / elapsed,
            "p95": latencies[int(0.95 * (len(latencies) - 1))] * 1000,
            "median": statistics.median(latencies) * 1000,
            "errors": errors[0],
            "startup": startup,
            "rss_mb": rss,
        }
    finally:
        _stop(proc, port)
