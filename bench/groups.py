"""Groups and discussions at size: thread page (200 replies), group page (1,000 threads).

Usage: .venv/bin/python bench/groups.py [--cadres 100000] [--groups 2000] [--posts 1000000]
       [--runs 60] [--database-url URL]

Builds bench/out/groups-<cadres>-<posts>.sqlite (db upgrade, regions load, seed-demo,
then groups, members, threads and posts inserted with Core executemany) unless it
exists, then renders in-process, as a signed-in member, with the Flask test client:
the thread page with 200 replies, the group page of a group with 1,000 threads, the
"load more" fragment, the group list and the home page ("what's new in my groups").
Reports p50/p95 and the number of SQL statements per request; writes the "groups"
section of docs/PERFORMANCE.md ("groups-postgresql" with a PostgreSQL --database-url).
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._report import ROOT, machine, write_section

OUT = ROOT / "bench" / "out"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
PASSWORD = "demo-password-2026"
BIG_THREAD_REPLIES = 200
BIG_GROUP_THREADS = 1000


def env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DIRECTORY_CONFIG": "dev",
        "DIRECTORY_DATABASE_URL": url,
        "DIRECTORY_SEARCH_INDEX_DIR": str(OUT / "groups-index"),
        "DIRECTORY_SEARCH_DRAIN_ON_START": "false",
        "FLASK_APP": "wsgi",
    }


def flask(url: str, *args: str) -> None:
    subprocess.run([PYTHON, "-m", "flask", *args], cwd=ROOT, env=env(url), check=True)


def build(url: str, cadres: int, groups: int, posts: int) -> dict[str, float]:
    """Demo directory plus groups and posts; returns the seconds each step took."""
    timings: dict[str, float] = {}
    for label, args in (
        ("db upgrade", ("db", "upgrade")),
        ("regions load", ("regions", "load")),
        (f"seed-demo --cadres {cadres}", ("seed-demo", "--cadres", str(cadres))),
    ):
        started = time.perf_counter()
        flask(url, *args)
        timings[label] = time.perf_counter() - started
    os.environ.update(env(url))
    from directory import create_app

    app = create_app()
    with app.app_context():
        started = time.perf_counter()
        _insert_groups(groups, posts)
        timings[f"{groups} groups, {posts} posts"] = time.perf_counter() - started
    return timings


def _insert_groups(groups: int, posts: int) -> None:
    from sqlalchemy import func, select

    from directory.extensions import db
    from directory.groups.models import Group, GroupMember
    from directory.groups.post_models import Post, Thread
    from directory.people.models import Person

    rng = random.Random(2026)
    people = list(db.session.scalars(select(Person.id).order_by(Person.id)))
    start = datetime(2026, 1, 1)
    group_rows, member_rows = [], []
    first_group = (db.session.scalar(select(func.max(Group.id))) or 0) + 1
    for i in range(groups):
        gid = first_group + i
        size = 12 if i else 200
        members = rng.sample(people, size)
        visibility = ("public", "members", "hidden")[i % 3] if i else "members"
        group_rows.append(
            {
                "id": gid, "name": f"工作交流群{i:04d}", "description": "基准测试群组",
                "join_policy": "request", "visibility": visibility, "created_by_id": members[0],
                "member_count": size, "thread_count": 0, "created_at": start,
                "last_activity_at": start,
            }
        )  # fmt: skip
        member_rows += [
            {"group_id": gid, "person_id": pid, "role": "owner" if j == 0 else "member",
             "joined_at": start}
            for j, pid in enumerate(members)
        ]  # fmt: skip
    _insert(Group, group_rows)
    _insert(GroupMember, member_rows)
    members_of = {}
    for row in member_rows:
        members_of.setdefault(row["group_id"], []).append(row["person_id"])

    # Group 1: 1,000 threads, the first one with 200 replies. The rest spread over groups.
    thread_rows, post_rows = [], []
    tid = (db.session.scalar(select(func.max(Thread.id))) or 0) + 1
    pid = (db.session.scalar(select(func.max(Post.id))) or 0) + 1
    remaining = posts
    plan: list[tuple[int, int]] = [(first_group, BIG_THREAD_REPLIES + 1)]
    plan += [(first_group, 5)] * (BIG_GROUP_THREADS - 1)
    remaining -= sum(n for _g, n in plan)
    while remaining > 0:
        n = min(remaining, rng.randint(1, 40))
        plan.append((first_group + rng.randrange(1, groups), n))
        remaining -= n
    thread_counts: dict[int, int] = {}
    for k, (gid, n) in enumerate(plan):
        authors = members_of[gid]
        last = start + timedelta(minutes=k)
        thread_rows.append(
            {"id": tid, "group_id": gid, "author_id": authors[0], "title": f"话题 {k}",
             "pinned": k % 400 == 1, "locked": False, "reply_count": n - 1,
             "created_at": last, "last_post_at": last}
        )  # fmt: skip
        thread_counts[gid] = thread_counts.get(gid, 0) + 1
        for j in range(n):
            body = f"第 {j} 条回复：关于本季度青年志愿服务的安排，请各支部按时报送。"
            post_rows.append(
                {"id": pid, "thread_id": tid, "group_id": gid,
                 "author_id": authors[j % len(authors)], "quote_of_id": pid - 1 if j % 7 == 3 else None,
                 "body": body, "body_html": f"<p>{body}</p>", "created_at": last + timedelta(seconds=j)}
            )  # fmt: skip
            pid += 1
        tid += 1
        if len(post_rows) >= 50_000:
            _insert(Thread, thread_rows)
            _insert(Post, post_rows)
            thread_rows, post_rows = [], []
    _insert(Thread, thread_rows)
    _insert(Post, post_rows)
    from sqlalchemy import text, update

    for gid, count in thread_counts.items():
        db.session.execute(update(Group).where(Group.id == gid).values(thread_count=count))
    db.session.commit()
    # Planner statistics, as a database that has been running for a while would have.
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))


def _insert(model, rows: list[dict]) -> None:  # type: ignore[no-untyped-def]
    from directory.extensions import db

    for start in range(0, len(rows), 10_000):
        db.session.execute(model.__table__.insert(), rows[start : start + 10_000])
    db.session.commit()


def measure(url: str, runs: int) -> tuple[list[tuple], dict[str, int]]:
    """(label, wall p50, wall p95, CPU p50, CPU p95 in ms, SQL statements) per page; sizes."""
    os.environ.update(env(url))
    from sqlalchemy import event, func, select

    from directory import create_app
    from directory.core.passwords import hash_password
    from directory.extensions import db
    from directory.groups.models import Group, GroupMember
    from directory.groups.post_models import Post, Thread
    from directory.people.models import Person

    # Benchmarks sign in through the form without a browser: no CSRF token to send.
    app = create_app({"ENV_NAME": "dev", "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    results = []
    with app.app_context():
        big_group = db.session.scalar(select(func.min(Group.id)))
        big_thread = db.session.scalar(
            select(Thread.id).where(Thread.group_id == big_group).order_by(Thread.id)
        )
        member_id = db.session.scalar(
            select(GroupMember.person_id).where(
                GroupMember.group_id == big_group, GroupMember.role == "member"
            )
        )
        person = db.session.get(Person, member_id)
        person.password_hash = hash_password(PASSWORD)
        email = person.email
        db.session.commit()
        sizes = {
            "cadres": db.session.scalar(select(func.count()).select_from(Person)),
            "groups": db.session.scalar(select(func.count()).select_from(Group)),
            "threads": db.session.scalar(select(func.count()).select_from(Thread)),
            "posts": db.session.scalar(select(func.count()).select_from(Post)),
        }
    client = app.test_client()
    response = client.post("/auth/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.status_code
    pages = [
        (f"thread page, {BIG_THREAD_REPLIES} replies", f"/groups/threads/{big_thread}", {}),
        (f"group page, {BIG_GROUP_THREADS} threads", f"/groups/{big_group}", {}),
        (
            "group page, load more (htmx)",
            f"/groups/{big_group}?page=20&rows=1",
            {"HX-Request": "true"},
        ),
        ("group list", "/groups/", {}),
        ("home page with group feed", "/", {}),
    ]
    # Requests run outside any app context of ours, so each one gets a fresh session and
    # `g` (as in production) instead of reusing objects cached by an earlier request.
    with app.app_context():
        engine = db.engine
    for label, path, headers in pages:
        counter = {"n": 0}

        def count(*_args, counter=counter) -> None:  # type: ignore[no-untyped-def]
            counter["n"] += 1

        client.get(path, headers=headers)  # warm-up
        event.listen(engine, "before_cursor_execute", count)
        client.get(path, headers=headers)
        event.remove(engine, "before_cursor_execute", count)
        times, cpu = _timed(client, path, headers, runs)
        # The same with the start-up objects (dictionaries of pypinyin, jieba, Babel...) moved
        # out of the collector's reach, as gc.freeze() in a gunicorn worker would.
        gc.collect()
        gc.freeze()
        _times, frozen_cpu = _timed(client, path, headers, runs)
        gc.unfreeze()
        results.append(
            (label, _p(times, 50), _p(times, 95), _p(cpu, 50), _p(cpu, 95),
             _p(frozen_cpu, 95), counter["n"])
        )  # fmt: skip
    return results, sizes


def _timed(client, path: str, headers: dict, runs: int) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
    """Wall and CPU seconds of `runs` requests."""
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(path, headers=headers)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        assert response.status_code == 200, (path, response.status_code)
    return times, cpu


def _has_posts(url: str) -> bool:
    """True when the benchmark database is already built (then it is reused)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return bool(
                conn.scalar(sa.text("SELECT count(*) FROM (SELECT 1 FROM group_post LIMIT 1) x"))
            )
    except sa.exc.DBAPIError:
        return False
    finally:
        engine.dispose()


def _p(values: list[float], pct: int) -> float:
    """The pct-th percentile in milliseconds (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * pct // 100) - 1)] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cadres", type=int, default=100_000)
    parser.add_argument("--groups", type=int, default=2000)
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    url = args.database_url or f"sqlite:///{OUT / f'groups-{args.cadres}-{args.posts}.sqlite'}"
    built: dict[str, float] = {}
    if not _has_posts(url):
        built = build(url, args.cadres, args.groups, args.posts)
    results, sizes = measure(url, args.runs)
    backend = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    lines = [
        f"In-process (Flask test client, signed in as a member), {backend}, {args.runs} runs "
        f"per page after one warm-up. Data: {sizes['cadres']:,} cadres, {sizes['groups']:,} "
        f"groups, {sizes['threads']:,} threads, {sizes['posts']:,} posts.",
        "",
        "| page | p50 | p95 | CPU p50 | CPU p95 | CPU p95, gc.freeze() | SQL statements |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {label} | {p50:.1f} ms | {p95:.1f} ms | {c50:.1f} ms | {c95:.1f} ms | {f95:.1f} ms | {n} |"
        for label, p50, p95, c50, c95, f95, n in results
    ]
    lines += [
        "",
        "Wall-clock times include waiting for the CPU when other work runs on the machine; the "
        "CPU columns are this process's own CPU time per request ("
        + (
            "SQLite's work included, since it runs in-process"
            if backend == "SQLite"
            else "PostgreSQL's work is in its own processes, so not included"
        )
        + "). The p95 outliers are full garbage collections "
        "walking the ~300,000 objects the app holds after start-up (pypinyin, jieba and Babel "
        "data); the gc.freeze() column shows the same pages once those are frozen.",
    ]
    if built:
        lines += [
            "",
            "Building the data: " + "; ".join(f"{k} {v:.0f} s" for k, v in built.items()) + ".",
        ]
    lines += ["", machine()]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        if backend == "SQLite":
            write_section("groups", "## Groups and discussions (SQLite)\n\n" + text)
        else:
            write_section("groups-postgresql", "## Groups and discussions (PostgreSQL)\n\n" + text)


if __name__ == "__main__":
    main()
