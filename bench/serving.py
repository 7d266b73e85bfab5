"""Sizing of the production set-up: memory per gunicorn worker and requests per core.

    DIRECTORY_DATABASE_URL=postgresql+psycopg://... .venv/bin/python bench/serving.py

Serves an existing database (bin/smoke builds one: SMOKE_KEEP=1 SMOKE_DB=bench bin/smoke)
with the repo's deploy/gunicorn.conf.py, and measures:

- memory: RSS, PSS (shared pages divided among the processes sharing them) and USS
  (pages only that process has) of the master and each of 2 workers after a warm-up,
  with `preload_app` (+ gc.freeze) and without it, in the same run;
- requests per core: one worker pinned to one core (taskset), the load on the other,
  for the pages a signed-in cadre uses most; requests/s, median and p95.

Writes the "serving" section of docs/PERFORMANCE.md. Figures depend on the machine and on
what else runs on it: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import machine, write_section

ROOT = Path(__file__).resolve().parent.parent
EMAIL, PASSWORD = "cadre@demo.tuanyoulu.cn", "demo-password-2026"


def start(port: int, workers: int, preload: bool, cpus: str | None, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DIRECTORY_CONFIG": "prod",
        "DIRECTORY_SECRET_KEY": os.environ.get("DIRECTORY_SECRET_KEY", "bench-secret"),
        "DIRECTORY_SESSION_COOKIE_SECURE": "false",
        "DIRECTORY_REMEMBER_COOKIE_SECURE": "false",
        "DIRECTORY_TRUSTED_HOSTS": "127.0.0.1",
        "DIRECTORY_RATELIMIT_ENABLED": "false",
        "DIRECTORY_JOBS_IN_PROCESS": "false",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": str(workers),
        "GUNICORN_PRELOAD": "true" if preload else "false",
        "GUNICORN_ACCESSLOG": str(log),
        "GUNICORN_ERRORLOG": str(log.with_suffix(".err")),
    }
    cmd = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "wsgi:app"]
    if cpus and shutil.which("taskset"):
        cmd = ["taskset", "-c", cpus, *cmd]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).ok:
                return proc
        except requests.RequestException:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    proc.wait(timeout=60)


def signed_in(base: str) -> requests.Session:
    s = requests.Session()
    page = s.get(base + "/auth/login", timeout=10).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    r = s.post(
        base + "/auth/login",
        data={"csrf_token": token, "email": EMAIL, "password": PASSWORD},
        allow_redirects=False,
        timeout=10,
    )
    assert r.status_code == 302, r.status_code
    return s


def pages(base: str, s: requests.Session) -> dict[str, str]:
    """One URL per page kind, found through the app itself."""
    groups = s.get(base + "/groups/", timeout=10).text
    out = {"healthz": "/healthz", "home": "/", "search (htmx)": "/search/?q=张"}
    m = re.search(r'href="/people/(\d+)"', s.get(base + "/search/?q=张", timeout=10).text)
    if m:
        out["profile"] = f"/people/{m.group(1)}"
    for gid in re.findall(r'href="/groups/(\d+)"', groups):
        t = re.search(
            r'href="/groups/threads/(\d+)"', s.get(f"{base}/groups/{gid}", timeout=10).text
        )
        if t:
            out["thread"] = f"/groups/threads/{t.group(1)}"
            break
    out["org tree"] = "/orgs/"
    return out


def memory(pid: int) -> dict[str, int]:
    """kB of RSS, PSS and USS from /proc/<pid>/smaps_rollup."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].isdigit():
            values[parts[0].rstrip(":")] = int(parts[1])
    return {
        "rss": values.get("Rss", 0),
        "pss": values.get("Pss", 0),
        "uss": values.get("Private_Clean", 0) + values.get("Private_Dirty", 0),
    }


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def gunicorn_master(proc: subprocess.Popen) -> int:
    """The gunicorn master (under taskset it is the process itself: taskset execs)."""
    return proc.pid


def measure_memory(port: int, preload: bool, log: Path, warm: int) -> dict[str, object]:
    proc = start(port, 2, preload, None, log)
    try:
        base = f"http://127.0.0.1:{port}"
        s = signed_in(base)
        urls = pages(base, s)
        for _ in range(warm):
            for url in urls.values():
                s.get(base + url, timeout=30)
        master = gunicorn_master(proc)
        workers = children(master)
        return {
            "master": memory(master),
            "workers": [memory(w) for w in workers],
        }
    finally:
        stop(proc)


def load(
    base: str, url: str, cookies, seconds: float, threads: int, htmx: bool
) -> tuple[float, list[float]]:  # type: ignore[no-untyped-def]
    times: list[float] = []
    errors = 0
    stop_at = time.monotonic() + seconds
    lock = threading.Lock()

    def run() -> None:
        nonlocal errors
        s = requests.Session()
        s.cookies.update(cookies)
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            r = s.get(base + url, timeout=30, headers={"HX-Request": "true"} if htmx else {})
            dt = time.perf_counter() - t0
            with lock:
                times.append(dt)
                if r.status_code != 200:
                    errors += 1

    started = time.monotonic()
    ts = [threading.Thread(target=run) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        raise RuntimeError(f"{errors} errors on {url}")
    return len(times) / (time.monotonic() - started), times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5109)
    parser.add_argument("--seconds", type=float, default=8.0, help="per page kind")
    parser.add_argument("--threads", type=int, default=4, help="concurrent clients")
    parser.add_argument("--warm", type=int, default=20, help="warm-up rounds")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if not os.environ.get("DIRECTORY_DATABASE_URL"):
        parser.error(
            "set DIRECTORY_DATABASE_URL (and DIRECTORY_SEARCH_BACKEND) to a filled database"
        )
    logdir = ROOT / "bench" / "out"
    logdir.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()

    mem = {
        p: measure_memory(args.port, p, logdir / f"serving-mem-{p}.log", args.warm)
        for p in (True, False)
    }

    # Requests per core: 1 worker on core 0, the load (this process) on core 1.
    cores = os.cpu_count() or 1
    if cores >= 2 and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {1})
    proc = start(args.port, 1, True, "0" if cores >= 2 else None, logdir / "serving-rps.log")
    rows = []
    try:
        base = f"http://127.0.0.1:{args.port}"
        s = signed_in(base)
        urls = pages(base, s)
        for _ in range(args.warm):
            for url in urls.values():
                s.get(base + url, timeout=30)
        for name, url in urls.items():
            rps, times = load(base, url, s.cookies, args.seconds, args.threads, "htmx" in name)
            times.sort()
            p95 = times[int(len(times) * 0.95) - 1] if times else 0.0
            rows.append((name, url, rps, statistics.median(times) * 1000, p95 * 1000, len(times)))
    finally:
        stop(proc)
    load_after = os.getloadavg()

    def mib(kb: int) -> str:
        return f"{kb / 1024:.0f}"

    lines = [
        "## Serving: memory per worker and requests per core (`bench/serving.py`)",
        "",
        f"{machine()} Load average before/after this run: "
        f"{load_before[0]:.1f} / {load_after[0]:.1f}. Database: "
        f"{os.environ.get('DIRECTORY_SEARCH_BACKEND', 'whoosh')} search, "
        f"`{re.sub(r'//[^@]*@', '//', os.environ['DIRECTORY_DATABASE_URL'])}`.",
        "",
        "Memory after a warm-up of every page kind (MiB; PSS splits shared pages among "
        "the processes sharing them, USS is what only that process holds):",
        "",
        "| set-up | process | RSS | PSS | USS |",
        "|---|---|---|---|---|",
    ]
    for preload, m in mem.items():
        label = "preload + gc.freeze" if preload else "no preload"
        master = m["master"]  # type: ignore[index]
        lines.append(
            f"| {label} | master | {mib(master['rss'])} | {mib(master['pss'])} | {mib(master['uss'])} |"
        )
        for i, w in enumerate(m["workers"], 1):  # type: ignore[arg-type]
            lines.append(
                f"| {label} | worker {i} | {mib(w['rss'])} | {mib(w['pss'])} | {mib(w['uss'])} |"
            )
        total = sum(w["pss"] for w in m["workers"]) + master["pss"]  # type: ignore[union-attr]
        lines.append(f"| {label} | **total PSS** | | **{mib(total)}** | |")
    lines += [
        "",
        f"Requests per core: one sync worker pinned to one core, {args.threads} clients "
        f"on the other core, {args.seconds:.0f} s per page, signed in as the demo cadre:",
        "",
        "| page | URL | requests/s | median ms | p95 ms | requests |",
        "|---|---|---|---|---|---|",
    ]
    for name, url, rps, med, p95, n in rows:
        lines.append(f"| {name} | `{url}` | {rps:.0f} | {med:.0f} | {p95:.0f} | {n} |")
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section("serving", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
