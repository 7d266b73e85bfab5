"""League work: a notice to 100,000 cadres (queued, delivered), its coverage page, marking read.

Usage: .venv/bin/python bench/league.py [--cadres 100000] [--runs 30]
       [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/h_league]

Builds a fresh database (a SQLite file in bench/out/, and with --database-url a throw-away
PostgreSQL database next to the URL given) holding a province committee with 20 cities x
10 districts x 10 streets x 5 branches and `--cadres` cadres, each with a confirmed post in
a branch. Then, in-process, as the province admin:
- queued: POST /notices/new (the notice written, its delivery job queued; target < 2 s);
- delivered: the queued job run as the consumer runs it (three INSERT ... SELECT: every
  recipient row, in-app notification and coverage counter, and the job marked done; target
  < 60 s);
- coverage: GET /notices/<id>/coverage of the whole province (30 % read, 10 % replied: the
  notice asks for replies, so the page lists the latest), p50 and p95, against a baseline page
  measured in the same run (GET /notices/, the admin's list), target p95 <= 200 ms; the same for
  one city's part (a tenth of the tree), and the page's SQL statements;
- mark read: the statements of opening the notice as a recipient (target: one UPDATE).
Writes the "league" section of docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import uuid
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa
from flask import Flask

from bench._report import ROOT, machine, write_section
from directory import create_app
from directory.config import TestConfig
from directory.core.enums import OrgLevel, PositionStatus
from directory.core.passwords import hash_password
from directory.extensions import db
from directory.jobs import runner
from directory.jobs.models import Job, JobStatus
from directory.notices.models import Notice, NoticeRecipient, NoticeStatus
from directory.orgs.models import Organisation
from directory.people.models import OrgAdmin, Person, Position
from directory.regions.models import Region

OUT = ROOT / "bench" / "out"
PASSWORD = "bench-password-1"
SHAPE = (20, 10, 10, 5)  # cities, districts per city, streets per district, branches per street


def build(n_cadres: int) -> tuple[int, int]:
    """The tree and the cadres; returns (province id, admin id)."""
    region = Region(code="51", name="四川省", level="province")
    db.session.add(region)
    db.session.flush()
    province = Organisation(name="共青团四川省委", level=OrgLevel.PROVINCE, region_id=region.id)
    db.session.add(province)
    db.session.flush()
    province.path = f"/{province.id}/"
    db.session.commit()
    # Level by level: one INSERT per level, then the paths in one UPDATE each.
    parents = [(province.id, province.path)]
    levels = (OrgLevel.CITY, OrgLevel.COUNTY, OrgLevel.TOWNSHIP, OrgLevel.BRANCH)
    for count, level in zip(SHAPE, levels, strict=True):
        rows = [
            {
                "name": f"{level.value}-{pid}-{i}",
                "level": level,
                "parent_id": pid,
                "region_id": region.id,
                "path": "",
            }
            for pid, _path in parents
            for i in range(count)
        ]
        db.session.execute(sa.insert(Organisation), rows)
        paths = dict(parents)
        new = db.session.execute(
            sa.select(Organisation.id, Organisation.parent_id).where(Organisation.level == level)
        ).all()
        db.session.execute(
            sa.update(Organisation),
            [{"id": oid, "path": f"{paths[pid]}{oid}/"} for oid, pid in new],
        )
        parents = [(oid, f"{paths[pid]}{oid}/") for oid, pid in new]
        db.session.commit()
    branches = [oid for oid, _p in parents]
    admin = Person(
        name="省委管理员", email="admin@bench.example.org", password_hash=hash_password(PASSWORD)
    )
    db.session.add(admin)
    db.session.flush()
    db.session.add(OrgAdmin(person_id=admin.id, organisation_id=province.id))
    db.session.commit()
    for start in range(0, n_cadres, 20_000):
        chunk = range(start, min(n_cadres, start + 20_000))
        db.session.execute(
            sa.insert(Person),
            [
                {
                    "name": f"团干部{i}",
                    "name_pinyin": f"tuanganbu{i}",
                    "email": f"c{i}@bench.example.org",
                    "password_hash": hash_password(PASSWORD) if i == 0 else None,
                    "membership_org_id": branches[i % len(branches)],
                }
                for i in chunk
            ],
        )
        ids = db.session.execute(
            sa.select(Person.id, Person.membership_org_id).where(
                Person.email.in_([f"c{i}@bench.example.org" for i in chunk])
            )
        ).all()
        db.session.execute(
            sa.insert(Position),
            [
                {
                    "person_id": pid,
                    "organisation_id": org_id,
                    "title": "委员",
                    "start_date": date(2024, 1, 1),
                    "status": PositionStatus.CONFIRMED,
                    "review_note": "",
                }
                for pid, org_id in ids
            ],
        )
        db.session.commit()
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()
    return province.id, admin.id


def login(client, email: str) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/auth/login", data={"email": email, "password": PASSWORD})
    assert r.status_code == 302, r.status_code


def timed_gets(client, url: str, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    assert client.get(url).status_code == 200  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        r = client.get(url)
        times.append(time.perf_counter() - t0)
        assert r.status_code == 200, r.status_code
    return times


def count_statements(client, url: str) -> int:  # type: ignore[no-untyped-def]
    """How many SQL statements one GET of `url` runs (in an app context)."""
    seen: list[str] = []

    def watch(conn, cursor, statement, *rest) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", watch)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", watch)
    return len(seen)


def _plan(stmt: sa.Select) -> list[str]:  # type: ignore[type-arg]
    compiled = stmt.compile(db.engine)
    conn = db.session.connection()
    plan = [row[0] for row in conn.exec_driver_sql(f"EXPLAIN ANALYZE {compiled}", compiled.params)]
    db.session.rollback()
    return plan


def _organisation_access(plan: list[str]) -> str:
    """How a plan reads `organisation`: its index when it uses one, else its scan."""
    nodes = [
        line.strip().lstrip("-> ").strip().split("  (")[0]
        for line in plan
        if "Scan" in line and ("organisation" in line.split("  (")[0])
    ]
    for wanted in ("ix_organisation", "pk_organisation", "organisation"):
        for node in nodes:
            if wanted in node:
                return f"`{node}`"
    return "?"


def explain_city(notice_id: int, city_id: int) -> str:
    """Which index serves the city's `path LIKE` prefix (PostgreSQL; EXPLAIN ANALYZE).

    Two statements: the city's organisations alone (the subtree look-up every `under()`
    and statistics page makes), and the page's unread list (50 rows in organisation
    order). Prints both plans; answers how each reads `organisation`.
    """
    from directory.notices import delivery

    if db.engine.dialect.name != "postgresql":
        return "—"
    notice = db.session.get(Notice, notice_id)
    city = db.session.get(Organisation, city_id)
    subtree = sa.select(Organisation.id).where(
        Organisation.path.startswith(city.path, autoescape=True)
    )
    unread = (
        sa.select(NoticeRecipient.id)
        .where(
            NoticeRecipient.notice_id == notice_id,
            delivery.under(notice, city),
            NoticeRecipient.read_at.is_(None),
        )
        .order_by(NoticeRecipient.org_id, NoticeRecipient.person_id)
        .limit(50)
    )
    answers = []
    for what, stmt in (("subtree", subtree), ("unread list", unread)):
        plan = _plan(stmt)
        print(f"EXPLAIN ANALYZE of the city's {what}:", *plan, sep="\n  ")
        answers.append(f"{what}: {_organisation_access(plan)}")
    return "; ".join(answers)


TRIGGER_MS: list[float] = []


def remind_update(notice_id: int, city_ids: list[int], function: str | None) -> float:
    """Seconds of the reminder's UPDATE over the unread of these cities (rolled back).

    The statement `notices.services.remind` sends; `function` (the tally trigger's
    CREATE OR REPLACE FUNCTION) is installed first inside the same transaction.
    """
    paths = [db.session.get(Organisation, i).path for i in city_ids]
    orgs = sa.select(Organisation.id).where(
        sa.or_(*(Organisation.path.startswith(p, autoescape=True) for p in paths))
    )
    stmt = (
        sa.update(NoticeRecipient)
        .where(
            NoticeRecipient.notice_id == notice_id,
            NoticeRecipient.org_id.in_(orgs),
            NoticeRecipient.read_at.is_(None),
        )
        .values(reminded_at=sa.func.current_timestamp())
    )
    if function:
        db.session.execute(sa.text(function))
    t0 = time.perf_counter()
    n = db.session.execute(stmt).rowcount
    seconds = time.perf_counter() - t0
    db.session.rollback()
    # The trigger's own time, as EXPLAIN ANALYZE reports it (another rolled-back run).
    if function:
        db.session.execute(sa.text(function))
    compiled = stmt.compile(db.engine)
    plan = db.session.connection().exec_driver_sql(f"EXPLAIN ANALYZE {compiled}", compiled.params)
    trigger = [r[0] for r in plan if r[0].startswith("Trigger notice_recipient_tally_update")]
    db.session.rollback()
    TRIGGER_MS.append(float(trigger[0].split("time=")[1].split()[0]) if trigger else 0.0)
    return seconds if n else 0.0


def reminder_figures(app: Flask, notice_id: int) -> str:
    """The reminder's UPDATE to the unread of three cities (~10,500 rows) on PostgreSQL,
    with the tally trigger function of 0016 and with 0015's, alternated (medians of 5)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "m0016", ROOT / "migrations" / "versions" / "0016_saved_lists.py"
    )
    assert spec is not None and spec.loader is not None
    m0016 = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m0016)
    with app.app_context():
        cities = list(
            db.session.scalars(
                sa.select(Organisation.id)
                .where(Organisation.level == OrgLevel.CITY)
                .order_by(Organisation.id)
                .limit(3)
            )
        )
        unread = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(NoticeRecipient)
            .where(
                NoticeRecipient.notice_id == notice_id,
                NoticeRecipient.read_at.is_(None),
                NoticeRecipient.org_id.in_(
                    sa.select(Organisation.id).where(
                        sa.or_(
                            *(
                                Organisation.path.startswith(o.path, autoescape=True)
                                for o in db.session.scalars(
                                    sa.select(Organisation).where(Organisation.id.in_(cities))
                                )
                            )
                        )
                    )
                ),
            )
        )
        new, old, new_trigger, old_trigger = [], [], [], []
        for _ in range(5):
            new.append(remind_update(notice_id, cities, m0016.TALLY_FUNCTION_0016))
            new_trigger.append(TRIGGER_MS.pop())
            old.append(remind_update(notice_id, cities, m0016.TALLY_FUNCTION_0015))
            old_trigger.append(TRIGGER_MS.pop())
    return (
        f"Reminder to {unread:,} unread (three cities; the UPDATE of `reminded_at` that "
        f"`remind` sends, rolled back, medians of 5 alternated): "
        f"{statistics.median(new) * 1000:.0f} ms with the tally function of 0016, "
        f"{statistics.median(old) * 1000:.0f} ms with 0015's "
        f"({statistics.median(old) / statistics.median(new):.1f}×); of which the trigger "
        f"(EXPLAIN ANALYZE): {statistics.median(new_trigger):.0f} ms and "
        f"{statistics.median(old_trigger):.0f} ms."
    )


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def run(url: str, label: str, args: argparse.Namespace) -> str:
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        SEARCH_INDEX_DIR = str(OUT / "league-index")
        # Jobs are queued as in production (the embedded SQLite queue) but no consumer
        # runs them: the bench times the request, then runs the job's body itself.
        JOBS_BACKEND = "sqlite"
        JOBS_SQLITE_PATH = str(OUT / "league-jobs.sqlite")
        JOBS_IN_PROCESS = False

    app: Flask = create_app(Config)
    with app.app_context():
        db.drop_all()
        db.create_all()
        t0 = time.perf_counter()
        province_id, _admin = build(args.cadres)
        built = time.perf_counter() - t0
    client = app.test_client()
    login(client, "admin@bench.example.org")
    t0 = time.perf_counter()
    r = client.post(
        "/notices/new",
        data={
            "org": str(province_id),
            "title": "关于开展调研的通知",
            "body": "请**按时**参加。",
            "reply_required": "y",
        },
    )
    queued = time.perf_counter() - t0
    assert r.status_code == 303, r.status_code
    with app.test_request_context("/"):
        notice = db.session.scalar(sa.select(Notice).order_by(Notice.id.desc()))
        notice_id, job_id = notice.id, notice.job_id
        assert notice.status == NoticeStatus.QUEUED and job_id is not None
        t0 = time.perf_counter()
        runner._run(job_id)  # what the consumer does with the queued job
        delivered = time.perf_counter() - t0
        db.session.expire_all()
        job = db.session.get(Job, job_id)
        assert job.status == JobStatus.DONE, job.message
        delivered_n = db.session.get(Notice, notice_id).recipient_count
        # 30 % have read it, a third of them replied: two bulk UPDATEs, each row counted into
        # the coverage counters by the database's trigger (timed: the triggers' cost).
        t0 = time.perf_counter()
        db.session.execute(
            sa.update(NoticeRecipient)
            .where(NoticeRecipient.notice_id == notice_id, NoticeRecipient.person_id % 10 < 3)
            .values(read_at=sa.func.current_timestamp())
        )
        db.session.execute(
            sa.update(NoticeRecipient)
            .where(NoticeRecipient.notice_id == notice_id, NoticeRecipient.person_id % 10 == 0)
            .values(replied_at=sa.func.current_timestamp(), reply="收到")
        )
        db.session.commit()
        bulk = time.perf_counter() - t0
        city_id = db.session.scalar(
            sa.select(sa.func.min(Organisation.id)).where(Organisation.level == OrgLevel.CITY)
        )
        reader = db.session.scalar(
            sa.select(Person.id).where(Person.email == "c0@bench.example.org")
        )
        db.session.execute(
            sa.update(NoticeRecipient)
            .where(NoticeRecipient.notice_id == notice_id, NoticeRecipient.person_id == reader)
            .values(read_at=None)
        )
        db.session.commit()
        # Fresh statistics and visibility map, as autovacuum gives a table that grew by 100k.
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("VACUUM ANALYZE notice_recipient"))
        else:
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
    coverage = timed_gets(client, f"/notices/{notice_id}/coverage", args.runs)
    baseline = timed_gets(client, "/notices/", args.runs)
    city = timed_gets(client, f"/notices/{notice_id}/coverage?org={city_id}", args.runs)
    with app.app_context():
        page_statements = count_statements(client, f"/notices/{notice_id}/coverage")
        city_plan = explain_city(notice_id, city_id)
    without = remind = ""
    if url.startswith("postgresql"):
        # The same city page without the pattern-ops index (the state before 0016), in
        # this run: the index's gain measured against its own baseline.
        with app.app_context():
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("DROP INDEX ix_organisation_path_pattern"))
                conn.execute(sa.text("ANALYZE organisation"))
            plain_plan = explain_city(notice_id, city_id)
        plain = timed_gets(client, f"/notices/{notice_id}/coverage?org={city_id}", args.runs)
        with app.app_context(), db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.execute(
                sa.text(
                    "CREATE INDEX ix_organisation_path_pattern"
                    " ON organisation (path varchar_pattern_ops)"
                )
            )
            conn.execute(sa.text("ANALYZE organisation"))
        without = (
            f"Without the pattern index (dropped, same run): city p50 "
            f"{statistics.median(plain) * 1000:.0f} ms, p95 {p95(plain) * 1000:.0f} ms; "
            f"{plain_plan}."
        )
        remind = reminder_figures(app, notice_id)
    # Opening the notice as a recipient: count the UPDATE statements.
    reader_client = app.test_client()
    login(reader_client, "c0@bench.example.org")
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

        def watch(conn, cursor, statement, *rest) -> None:  # type: ignore[no-untyped-def]
            statements.append(statement)

        sa.event.listen(engine, "before_cursor_execute", watch)
        t0 = time.perf_counter()
        assert reader_client.get(f"/notices/{notice_id}").status_code == 200
        open_s = time.perf_counter() - t0
        sa.event.remove(engine, "before_cursor_execute", watch)
        updates = [s for s in statements if s.lstrip().upper().startswith("UPDATE")]
        db.session.remove()
        db.engine.dispose()
    line = (
        f"| {label} | {delivered_n:,} | {queued * 1000:.0f} ms | {delivered:.1f} s | "
        f"{statistics.median(coverage) * 1000:.0f} ms | {p95(coverage) * 1000:.0f} ms | "
        f"{statistics.median(baseline) * 1000:.0f} ms | "
        f"{statistics.median(coverage) / statistics.median(baseline):.1f}× | "
        f"{statistics.median(city) * 1000:.0f} ms | {p95(city) * 1000:.0f} ms | "
        f"{page_statements} | "
        f"{len(updates)} UPDATE ({open_s * 1000:.0f} ms) |"
    )
    print(line, f"(data built in {built:.1f} s; 30 % read + 10 % replied in {bulk:.1f} s)")
    print(without, remind)
    extra = f"\n\nPostgreSQL, city LIKE: {city_plan}. {without}\n\n{remind}" if without else ""
    if without:
        print(extra)
    return line + extra


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cadres", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--keep", default="", help="PostgreSQL only: build into this database and keep it"
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    lines = []
    if args.keep:  # an experiment's database: PostgreSQL only, no report
        url = sa.engine.make_url(args.database_url).set(database=args.keep)
        run(url.render_as_string(hide_password=False), "PostgreSQL", args)
        return
    sqlite_path = OUT / "league.sqlite"
    sqlite_path.unlink(missing_ok=True)
    lines.append(run(f"sqlite:///{sqlite_path}", "SQLite", args))
    sqlite_path.unlink(missing_ok=True)
    if args.database_url:
        name = f"league_bench_{uuid.uuid4().hex[:6]}"
        admin = sa.create_engine(args.database_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = sa.engine.make_url(args.database_url).set(database=name)
        try:
            lines.append(run(url.render_as_string(hide_password=False), "PostgreSQL", args))
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    orgs = 1 + SHAPE[0] * (1 + SHAPE[1] * (1 + SHAPE[2] * (1 + SHAPE[3])))
    write_section(
        "league",
        "## League work: notices\n\n"
        f"{machine()}\n\n"
        f"`bench/league.py`: a province committee ({orgs:,} organisations: 20 cities × 10 "
        f"districts × 10 streets × 5 branches) and {args.cadres:,} cadres, each with a "
        "confirmed post in a branch; one notice from the province to all of them.\n\n"
        "- *queued*: POST /notices/new as the province admin: the notice written and its "
        "delivery job queued (huey's SQLite queue; target < 2 s).\n"
        "- *delivered*: that job run as the consumer runs it: one INSERT ... SELECT of the "
        "recipient rows, one of the in-app notifications, one of the coverage counters "
        "(per notice and organisation), the job marked done, one transaction "
        "(target < 60 s).\n"
        "- *coverage*: GET of the province's coverage page (the notice asks for replies; 30 % "
        f"have read it, 10 % replied), {args.runs} requests "
        "in-process after a warm-up (target p95 ≤ 200 ms), after `VACUUM ANALYZE` of the "
        "recipients (what autovacuum does to a table that grew by 100k rows); *baseline*: the "
        "admin's notice list (GET /notices/) in the same run, and the ratio of the medians; "
        "*city p50 / p95*: the coverage page of one city's part (a twentieth of the tree); "
        "*city LIKE* (below the table, PostgreSQL): how the plans (EXPLAIN ANALYZE) of the "
        "city's subtree look-up (`path LIKE '/1/2/%'`) and of its unread list read the "
        "organisations, with the `varchar_pattern_ops` index of migration 0016 "
        "(`ix_organisation_path_pattern`) and, in the same run, without it; "
        "*reminder*: the UPDATE a reminder sends to about 10,000 unread, with the tally "
        "trigger function of migration 0016 and with 0015's; *SQL*: the statements of one "
        "province coverage page (the session's user included).\n"
        "- *open*: the UPDATE statements the application sends when a recipient opens the "
        "notice (marking read is one UPDATE; the database's trigger updates the coverage "
        "counters inside it), and the time of that request.\n\n"
        "| database | recipients | queued | delivered | coverage p50 | coverage p95 | "
        "baseline p50 | ratio | city p50 | city p95 | SQL | open |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|\n" + "\n".join(lines),
    )


if __name__ == "__main__":
    main()
