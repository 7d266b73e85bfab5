"""Start-up time, import time and the memory of one gunicorn worker serving the demo.

Usage: .venv/bin/python bench/startup.py [--runs 7] [--cadres 3000] [--requests 200]

Builds bench/out/startup-demo.sqlite the way bin/demo does (db upgrade, regions load,
seed-demo, search reindex) unless it exists, then measures, in fresh interpreters each time:
- import time of the `directory` package,
- `create_app()`, and `create_app()` plus the first request (the sign-in page),
- `flask seed-demo` for a few sizes (default 3,000 and 100,000 cadres) on SQLite,
and the resident memory (RSS) of a single gunicorn worker after warm-up requests as a
signed-in demo cadre. Prints the figures and writes the "startup" section of
docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._report import ROOT, machine, median_ms, write_section

OUT = ROOT / "bench" / "out"
DB = OUT / "startup-demo.sqlite"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PASSWORD = "demo-password-2026"
PROBE = """
import json, time
t0 = time.perf_counter()
import directory
t1 = time.perf_counter()
app = directory.create_app()
t2 = time.perf_counter()
response = app.test_client().get("/auth/login")
t3 = time.perf_counter()
assert response.status_code == 200, response.status_code
print(json.dumps({"import": t1 - t0, "create_app": t2 - t1, "first_request": t3 - t1}))
"""

MEMORY_PROBE = """
import json, re
def rss():
    return int(re.search(r"VmRSS:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
steps = [("interpreter", rss())]
import flask, flask_sqlalchemy, flask_babel, flask_wtf, sqlalchemy
steps.append(("Flask, SQLAlchemy, Babel, WTForms", rss()))
from pypinyin import lazy_pinyin
lazy_pinyin("张彤")
steps.append(("pypinyin (dictionaries loaded)", rss()))
import rjieba
list(rjieba.cut("共青团南充市委"))
steps.append(("rjieba (dictionary loaded)", rss()))
from directory import create_app
create_app()
steps.append(("create_app() (the rest)", rss()))
print(json.dumps(steps))
"""


def env() -> dict[str, str]:
    """The environment of the demo: dev config on the benchmark database."""
    return {
        **os.environ,
        "DIRECTORY_CONFIG": "dev",
        "DIRECTORY_DATABASE_URL": f"sqlite:///{DB}",
        "DIRECTORY_SEARCH_INDEX_DIR": str(OUT / "startup-index"),
        "FLASK_APP": "wsgi",
    }


def flask(*args: str) -> float:
    """Run a flask command against the benchmark database; return its wall time."""
    started = time.perf_counter()
    subprocess.run([PYTHON, "-m", "flask", *args], cwd=ROOT, env=env(), check=True)
    return time.perf_counter() - started


def build_database(cadres: int) -> dict[str, float]:
    """The demo database, built with the same commands as bin/demo."""
    OUT.mkdir(parents=True, exist_ok=True)
    times = OUT / "startup-build-times.json"
    if DB.exists():
        return json.loads(times.read_text()) if times.exists() else {}
    steps = {
        "flask db upgrade": flask("db", "upgrade"),
        "flask regions load": flask("regions", "load"),
        f"flask seed-demo --cadres {cadres}": flask("seed-demo", "--cadres", str(cadres)),
    }
    has_search = subprocess.run(
        [PYTHON, "-m", "flask", "search", "--help"], cwd=ROOT, env=env(), capture_output=True
    )
    if has_search.returncode == 0:
        steps["flask search reindex"] = flask("search", "reindex")
    times.write_text(json.dumps(steps))
    return steps


def seed_timings(sizes: list[int]) -> dict[int, float]:
    """Seconds `flask seed-demo --cadres N` takes on a database holding only the regions."""
    regions_db = OUT / "regions-only.sqlite"
    if not regions_db.exists():
        subprocess.run(
            [PYTHON, "-m", "flask", "db", "upgrade"],
            cwd=ROOT,
            env={**env(), "DIRECTORY_DATABASE_URL": f"sqlite:///{regions_db}"},
            check=True,
        )
        subprocess.run(
            [PYTHON, "-m", "flask", "regions", "load"],
            cwd=ROOT,
            env={**env(), "DIRECTORY_DATABASE_URL": f"sqlite:///{regions_db}"},
            check=True,
        )
    timings = {}
    for size in sizes:
        target = OUT / f"seed-{size}.sqlite"
        shutil.copyfile(regions_db, target)
        out = subprocess.run(
            [PYTHON, "-m", "flask", "seed-demo", "--cadres", str(size)],
            cwd=ROOT,
            env={**env(), "DIRECTORY_DATABASE_URL": f"sqlite:///{target}"},
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        timings[size] = float(re.search(r" in ([0-9.]+) s", out).group(1))  # type: ignore[union-attr]
        target.unlink()
    return timings


def probe(runs: int) -> list[dict[str, float]]:
    """Time import, create_app() and the first request in `runs` fresh interpreters."""
    results = []
    for _ in range(runs):
        out = subprocess.run(
            [PYTHON, "-c", PROBE], cwd=ROOT, env=env(), check=True, capture_output=True, text=True
        ).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def memory_steps() -> list[tuple[str, int]]:
    """RSS growth (KiB) as the heavy libraries load, in a fresh interpreter."""
    out = subprocess.run(
        [PYTHON, "-c", MEMORY_PROBE],
        cwd=ROOT,
        env=env(),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    steps = json.loads(out.strip().splitlines()[-1])
    return [(name, kib - prev) for (name, kib), (_n, prev) in zip(steps[1:], steps, strict=False)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid: int) -> int:
    """Resident set size of a process in KiB, from /proc."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]


def warm_up(base: str, requests: int) -> dict[str, int]:
    """Sign in as the demo cadre and walk the main pages; returns the status per path."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def get(path: str) -> tuple[int, str]:
        try:
            with opener.open(base + path, timeout=30) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, ""

    _status, page = get("/auth/login")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page
    )
    form = {"email": "cadre@demo.tuanyoulu.cn", "password": PASSWORD}
    form["csrf_token"] = token.group(1) if token else ""
    with opener.open(base + "/auth/login", urllib.parse.urlencode(form).encode(), timeout=30):
        pass
    _status, home = get("/")
    me = re.search(r'href="/people/(\d+)"', home)
    paths = [
        "/",
        "/people/",
        "/orgs/",
        "/regions/",
        "/groups/",
        "/transfers/",
        "/search/?q=%E5%BC%A0",
    ]
    if me:
        paths.append(f"/people/{me.group(1)}")
    statuses: dict[str, int] = {}
    for i in range(requests):
        path = paths[i % len(paths)]
        statuses[path] = get(path)[0]
    return statuses


def gunicorn_rss(requests: int) -> tuple[int, int, dict[str, int]]:
    """RSS (KiB) of the gunicorn master and its one worker after warm-up requests."""
    port = free_port()
    proc = subprocess.Popen(
        [
            *(str(ROOT / ".venv" / "bin" / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}"),
            *("--access-logfile", "/dev/null", "wsgi:app"),
        ],
        cwd=ROOT,
        env=env(),
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/auth/login", timeout=2).close()
                break
            except OSError:
                time.sleep(0.2)
        statuses = warm_up(base, requests)
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        return rss_kib(proc.pid), rss_kib(int(children[0])), statuses
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--cadres", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--seed-sizes", default="3000,100000", help="cadre counts to time seed-demo with"
    )
    args = parser.parse_args()

    build = build_database(args.cadres)
    seeds = seed_timings([int(n) for n in args.seed_sizes.split(",") if n])
    runs = probe(args.runs)
    master, worker, statuses = gunicorn_rss(args.requests)
    growth = memory_steps()
    lines = [
        machine(),
        "",
        f"Demo database: SQLite, `flask seed-demo --cadres {args.cadres}` on the Sichuan "
        "regions. Start-up figures are medians of "
        f"{args.runs} fresh interpreters (`bench/startup.py`).",
        "",
        "| measure | value |",
        "|---|---|",
        f"| `import directory` | {median_ms(r['import'] for r in runs)} |",
        f"| `create_app()` | {median_ms(r['create_app'] for r in runs)} |",
        "| `create_app()` + first request (sign-in page) | "
        f"{median_ms(r['first_request'] for r in runs)} |",
        f"| RSS of one gunicorn worker after {args.requests} requests | {worker / 1024:.0f} MiB |",
        f"| RSS of the gunicorn master | {master / 1024:.0f} MiB |",
    ]
    for step, seconds in build.items():
        lines.append(f"| `{step}` (building the demo database) | {seconds:.1f} s |")
    for size, seconds in seeds.items():
        lines.append(
            f"| `flask seed-demo --cadres {size}` (SQLite, the seed itself) | {seconds:.1f} s |"
        )
    lines += [
        "",
        "Where a process's memory goes (RSS growth while loading, fresh interpreter): "
        + ", ".join(f"{name} +{kib / 1024:.0f} MiB" for name, kib in growth)
        + ".",
        "",
        "Warm-up pages and their status: "
        + ", ".join(f"`{p}` {s}" for p, s in statuses.items())
        + ".",
    ]
    markdown = "\n".join(lines)
    print(markdown)
    if any(s >= 500 for s in statuses.values()):
        sys.exit("a warm-up page answered 5xx; figures not written")
    write_section("startup", markdown)


if __name__ == "__main__":
    main()
