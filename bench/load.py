"""Load of signed-in cadres: the highest rate each set-up serves with p95 <= 200 ms, no errors.

    .venv/bin/python bench/load.py [--cadres 100000] [--rates 10 20 30 ...] [--no-write]

Two set-ups, measured one after the other in one run on the same seeded world
(`flask seed-demo --cadres N`, organisation groups, `flask demo-activity`, reindex, as
bin/demo does; built once into $LOAD_BENCH_DIR, default /tmp/directory-bench-load):

- embedded: SQLite + Whoosh, jobs in a thread of each web worker, rate limits in memory;
- production: PostgreSQL with its search backend, Redis for rate limits and the job queue,
  a `flask jobs run` process beside gunicorn (as bin/smoke runs it).

Each is served by gunicorn with deploy/gunicorn.conf.py and 2 workers, pinned with the job
runner to core 0; locust (bench/locustfile.py, in its own virtualenv var/locust-venv,
installed on first use) runs on core 1. The PostgreSQL and Redis servers are the machine's
own and float over both cores. Every step is one locust run of `--users` users, each
signing in with its own account (a member of a group; one whose groups have no thread
starts one) and then running tasks at a constant rate, the step's rate divided among them;
the first `--warmup` seconds (sign-ins) are not counted. Steps go up until two in a row have
p95 > 200 ms or any error; the highest passing step is the figure. The sign-in limit per
address is raised (every simulated user comes from 127.0.0.1); the other limits stay.

Writes the "load" section of docs/PERFORMANCE.md. Never part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._report import ROOT, machine, write_section

OUT = Path(os.environ.get("LOAD_BENCH_DIR", "/tmp/directory-bench-load"))
VENV = ROOT / ".venv" / "bin"
LOCUST_VENV = ROOT / "var" / "locust-venv"
LOCUST_VERSION = "2.47.0"
P95_LIMIT_MS = 200.0


class Setup:
    """One way of serving: its environment, and the database and index it serves."""

    def __init__(self, name: str, label: str, env: dict[str, str], runner: bool) -> None:
        self.name, self.label, self.env, self.runner = name, label, env, runner

    @property
    def url(self) -> str:
        return self.env["DIRECTORY_DATABASE_URL"]


def setups(cadres: int, pg_server: str, redis_url: str) -> list[Setup]:
    common = {
        "FLASK_APP": "wsgi",
        "DIRECTORY_CONFIG": "prod",
        "DIRECTORY_SECRET_KEY": "bench-load-" + os.urandom(8).hex(),
        "DIRECTORY_SESSION_COOKIE_SECURE": "false",
        "DIRECTORY_REMEMBER_COOKIE_SECURE": "false",
        "DIRECTORY_TRUSTED_HOSTS": "127.0.0.1",
        "DIRECTORY_LOGIN_RATE_LIMIT": "100000 per minute",
    }
    embedded = {
        **common,
        "DIRECTORY_DATABASE_URL": f"sqlite:///{OUT / f'load-{cadres}.sqlite'}",
        "DIRECTORY_SEARCH_BACKEND": "whoosh",
        "DIRECTORY_SEARCH_INDEX_DIR": str(OUT / f"index-{cadres}"),
        "DIRECTORY_UPLOAD_DIR": str(OUT / "uploads-embedded"),
        "DIRECTORY_JOBS_SQLITE_PATH": str(OUT / f"jobs-{cadres}.sqlite"),
    }
    production = {
        **common,
        "DIRECTORY_DATABASE_URL": f"{pg_server.rstrip('/')}/bench_load_{cadres}",
        "DIRECTORY_SEARCH_BACKEND": "postgres",
        "DIRECTORY_SEARCH_INDEX_DIR": str(OUT / "unused-index"),
        "DIRECTORY_UPLOAD_DIR": str(OUT / "uploads-production"),
        "DIRECTORY_REDIS_URL": redis_url,
        "DIRECTORY_RATELIMIT_KEY_PREFIX": f"bench-load-{os.getpid()}",
        "DIRECTORY_JOBS_NAME": f"bench-load-{os.getpid()}",
        "DIRECTORY_JOBS_IN_PROCESS": "false",
    }
    return [
        Setup("embedded", "SQLite + Whoosh", embedded, runner=False),
        Setup("production", "PostgreSQL + Redis", production, runner=True),
    ]


def flask(setup: Setup, *args: str, log: Path) -> None:
    with log.open("a") as out:
        subprocess.run(
            [str(VENV / "flask"), *args],
            cwd=ROOT,
            env={**os.environ, **setup.env},
            stdout=out,
            stderr=subprocess.STDOUT,
            check=True,
        )


def build(setup: Setup, cadres: int) -> float:
    """Build the set-up's world unless a complete one exists; seconds taken (0 if kept)."""
    done = OUT / f"{setup.name}-{cadres}.built"
    if done.exists():
        return 0.0
    started = time.monotonic()
    url = sa.engine.make_url(setup.url)
    if url.get_backend_name() == "postgresql":
        server = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with server.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}"'))
            conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
        server.dispose()
    else:
        Path(str(url.database)).unlink(missing_ok=True)
        shutil.rmtree(setup.env["DIRECTORY_SEARCH_INDEX_DIR"], ignore_errors=True)
    log = OUT / f"build-{setup.name}.log"
    for args in (
        ("db", "upgrade"),
        ("regions", "load"),
        ("seed-demo", "--cadres", str(cadres)),
        ("groups", "sync-org-groups"),
        ("demo-activity",),
        ("search", "reindex"),
    ):
        flask(setup, *args, log=log)
    done.touch()
    return time.monotonic() - started


def accounts(setup: Setup, count: int) -> Path:
    """A file of `count` e-mails of active members (no transfer yet) of a group, those in
    groups with threads first."""
    engine = sa.create_engine(setup.url)
    with engine.connect() as conn:
        emails = conn.scalars(
            sa.text(
                "SELECT p.email FROM person p"
                " WHERE p.is_active_account AND p.membership_org_id IS NOT NULL"
                " AND EXISTS (SELECT 1 FROM group_member m WHERE m.person_id = p.id)"
                " AND NOT EXISTS (SELECT 1 FROM transfer x WHERE x.person_id = p.id)"
                " ORDER BY EXISTS (SELECT 1 FROM group_member m"
                " JOIN group_thread t ON t.group_id = m.group_id WHERE m.person_id = p.id) DESC,"
                " p.email LIMIT :n"
            ),
            {"n": count},
        ).all()
    engine.dispose()
    if len(emails) < count:
        raise SystemExit(f"{setup.name}: only {len(emails)} accounts for {count} users")
    path = OUT / f"accounts-{setup.name}.txt"
    path.write_text("\n".join(emails) + "\n")
    return path


def locust_bin() -> Path:
    exe = LOCUST_VENV / "bin" / "locust"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(LOCUST_VENV)], check=True)
        subprocess.run(
            [str(LOCUST_VENV / "bin" / "pip"), "install", "-q", f"locust=={LOCUST_VERSION}"],
            check=True,
        )
    return exe


def pinned(cmd: list[str], core: str) -> list[str]:
    return ["taskset", "-c", core, *cmd] if shutil.which("taskset") else cmd


def serve(setup: Setup, port: int) -> list[subprocess.Popen[bytes]]:
    """gunicorn (and the job runner) on core 0; returns once /readyz answers."""
    logs = OUT / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        **setup.env,
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_ACCESSLOG": str(logs / f"{setup.name}-access.log"),
        "GUNICORN_ERRORLOG": str(logs / f"{setup.name}-error.log"),
    }
    gunicorn = [str(VENV / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "wsgi:app"]
    procs = [subprocess.Popen(pinned(gunicorn, "0"), cwd=ROOT, env=env)]
    if setup.runner:
        runner = [str(VENV / "flask"), "jobs", "run", "--workers", "2"]
        with (logs / f"{setup.name}-jobs.log").open("w") as out:
            procs.append(
                subprocess.Popen(pinned(runner, "0"), cwd=ROOT, env=env, stdout=out, stderr=out)
            )
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=5).ok:
                return procs
        except requests.RequestException:
            pass
        time.sleep(0.5)
    stop(procs)
    raise RuntimeError(f"{setup.name}: gunicorn did not become ready")


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU of the gunicorn master, its live workers and the workers it has
    reaped (gunicorn replaces a worker after `max_requests`), from /proc."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid] + [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime, stime; for the master also cutime, cstime (the workers it reaped)
        total += sum(int(f) for f in fields[11 : 15 if p == pid else 13]) / tick
    return total


def step(
    base: str, emails: Path, rate: float, users: int, warmup: int, seconds: int, server: int
) -> dict[str, Any]:
    """One locust run at `rate` tasks per second; its summary (bench/locustfile.py)."""
    summary = OUT / "summary.json"
    summary.unlink(missing_ok=True)
    env = {
        **os.environ,
        "LOCUST_EMAILS": str(emails),
        "LOCUST_USER_RATE": f"{rate / users:.6f}",
        "LOCUST_WARMUP": str(warmup),
        "LOCUST_SUMMARY": str(summary),
    }
    cmd = [
        str(locust_bin()),
        "-f",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(max(1, users // 4)),
        "--run-time",
        f"{warmup + seconds}s",
        "--stop-timeout",
        "10",
        "--host",
        base,
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    cpu0 = cpu_seconds(server)
    done = subprocess.run(
        pinned(cmd, "1"), cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    cpu = cpu_seconds(server) - cpu0
    (OUT / "logs" / f"locust-{rate:g}.log").write_text(done.stdout + done.stderr)
    if not summary.exists():
        raise RuntimeError(f"locust wrote no summary (exit {done.returncode}):\n{done.stderr}")
    result: dict[str, Any] = json.loads(summary.read_text())
    result["rate"] = rate
    result["server_cpu_ms"] = cpu * 1000 / max(1, result["all_requests"])
    result["load"] = os.getloadavg()[0]
    return result


def passes(result: dict[str, Any]) -> bool:
    return result["errors"] == 0 and result["requests"] > 0 and result["p95"] <= P95_LIMIT_MS


def measure(setup: Setup, args: argparse.Namespace, port: int) -> list[dict[str, Any]]:
    emails = accounts(setup, args.users)
    procs = serve(setup, port)
    base = f"http://127.0.0.1:{port}"
    results = []
    try:
        # One short run first: the workers' caches and the database's pages warm up.
        step(base, emails, args.rates[0], args.users, args.warmup, 20, procs[0].pid)
        for rate in args.rates:
            result = step(base, emails, rate, args.users, args.warmup, args.seconds, procs[0].pid)
            results.append(result)
            print(
                f"{setup.name}: {rate:g} tasks/s -> {result['rps']:.1f} req/s, "
                f"p50 {result['p50']:.0f} ms, p95 {result['p95']:.0f} ms, "
                f"{result['errors']} errors, server {result['server_cpu_ms']:.1f} ms CPU/request, "
                f"load {result['load']:.1f}",
                flush=True,
            )
            # One failing step may be noise (a low first step often is: see the report);
            # two in a row end the set-up.
            if not passes(result) and len(results) > 1 and not passes(results[-2]):
                break
    finally:
        stop(procs)
    return results


def report(
    runs: dict[str, list[dict[str, Any]]],
    labels: dict[str, str],
    args: argparse.Namespace,
    builds: dict[str, float],
    load_before: float,
) -> str:
    lines = [
        "## Load: signed-in cadres with locust (`bench/load.py`)",
        "",
        f"{machine()} Load average before the run {load_before:.1f}. "
        f"{args.cadres:,} cadres (`seed-demo`, organisation groups, `demo-activity`).",
        "",
        f"gunicorn, 2 workers (deploy/gunicorn.conf.py), and the job runner pinned to core 0; "
        f"locust {LOCUST_VERSION} on core 1; PostgreSQL and Redis float. {args.users} users, "
        f"each its own account; a step is {args.warmup} s of sign-ins and warm-up, then "
        f"{args.seconds} s counted; steps rise until two in a row fail. The mix per task: search (htmx fragment) 6, profile 3, "
        "thread 3, organisation page 2, reply 1, transfer 1 (the form, the organisation "
        "picker, submit, the transfer's page, withdraw).",
        "",
        "| set-up | tasks/s asked | requests/s served | p50 ms | p95 ms | p99 ms | errors "
        "| server CPU ms per request | load |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    best: dict[str, dict[str, Any] | None] = {}
    for name, results in runs.items():
        best[name] = None
        for r in results:
            ok = passes(r)
            if ok:
                best[name] = r
            lines.append(
                f"| {labels[name]} | {r['rate']:g} | {r['rps']:.1f} | {r['p50']:.0f} | "
                f"{'**' if not ok else ''}{r['p95']:.0f}{'**' if not ok else ''} | "
                f"{r['p99']:.0f} | {r['errors']} | {r['server_cpu_ms']:.1f} | {r['load']:.1f} |"
            )
    lines += ["", "Highest rate with p95 <= 200 ms and no errors:", ""]
    for name, r in best.items():
        if r is None:
            lines.append(f"- {labels[name]}: none of the steps.")
        else:
            lines.append(
                f"- {labels[name]}: **{r['rps']:.1f} requests/s** ({r['rate']:g} tasks/s; "
                f"p95 {r['p95']:.0f} ms)."
            )
    lines += ["", "p95 per request kind at each set-up's highest passing step (ms):", ""]
    kinds = sorted({k for r in best.values() if r for k in r["kinds"]})
    lines += [
        "| request | " + " | ".join(labels[n] for n in best) + " |",
        "|---|" + "---|" * len(best),
    ]
    for kind in kinds:
        cells = []
        for r in best.values():
            k = r["kinds"].get(kind) if r else None
            cells.append(f"{k['p95']:.0f} ({k['count']})" if k else "")
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    built = ", ".join(f"{labels[n]} {s:.0f} s" for n, s in builds.items() if s)
    if built:
        lines += ["", f"Building the worlds took: {built}."]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cadres", type=int, default=100_000)
    ap.add_argument(
        "--rates", type=float, nargs="+", default=[5, 10, 20, 30, 40, 50, 60, 70, 80, 100]
    )
    ap.add_argument("--users", type=int, default=60)
    ap.add_argument("--warmup", type=int, default=20, help="seconds not counted per step")
    ap.add_argument("--seconds", type=int, default=40, help="seconds counted per step")
    ap.add_argument("--port", type=int, default=5131)
    ap.add_argument(
        "--pg-server", default="postgresql+psycopg://postgres@127.0.0.1:5432", help="no database"
    )
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379/8")
    ap.add_argument("--only", choices=["embedded", "production"], help="one set-up")
    ap.add_argument("--build-only", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()[0]
    chosen = [
        s
        for s in setups(args.cadres, args.pg_server, args.redis_url)
        if args.only in (None, s.name)
    ]
    builds: dict[str, float] = {}
    threads = [
        threading.Thread(target=lambda s=s: builds.__setitem__(s.name, build(s, args.cadres)))
        for s in chosen
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if len(builds) != len(chosen):
        return 1  # a build failed: its traceback is above, its log in $LOAD_BENCH_DIR
    if args.build_only:
        return 0
    locust_bin()
    runs = {s.name: measure(s, args, args.port) for s in chosen}
    text = report(runs, {s.name: s.label for s in chosen}, args, builds, load_before)
    print(text)
    if not args.no_write:
        write_section("load", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
