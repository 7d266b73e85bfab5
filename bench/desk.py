"""The admin's desk: import of 10,000 rows, export of 10,000 people, statistics at 100,000.

CPU is this process's own CPU time (SQLite runs in-process, so its work is included; on
PostgreSQL the server's is not): on a shared machine it says what a quiet one would show.

Usage: .venv/bin/python bench/desk.py [--import-rows 10000] [--cadres 100000] [--runs 20]
       [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/h_desk]

Builds a fresh database (a SQLite file in bench/out/, or the PostgreSQL database given,
emptied first): a province committee with 20 cities x 10 counties x 10 townships, each
with branches, and `--cadres` members spread over them (bulk inserts), then measures
in-process, each with a baseline measured in the same run:
- reading a 10,000-row XLSX: python-calamine (used) against openpyxl read-only (baseline);
- the import of 10,000 new rows: preview (read + plan) and commit (apply in one unit of
  work), against a plain bulk INSERT of the same people (baseline);
- the export of the 10,000+ people of a city's subtree to XLSX, CSV and vCard, against
  loading them;
- the statistics page's queries for the province (`--cadres` people): p50 and p95 of
  figures.all_tables + the quality counts, against one COUNT(*) over the same subtree;
and writes the "desk" section of docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from bench._report import ROOT, machine, median_ms, write_section
from directory import create_app
from directory.config import TestConfig
from directory.core.enums import CadreKind, OrgLevel, PoliticalStatus, PositionStatus
from directory.core.uow import unit_of_work
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.people.models import Person, Position
from directory.regions.models import Region

OUT = ROOT / "bench" / "out"


def _org(name: str, level: OrgLevel, region: Region, parent: Organisation | None) -> Organisation:
    org = Organisation(name=name, level=level, region=region, parent=parent)
    db.session.add(org)
    db.session.flush()
    org.path = f"{parent.path if parent else '/'}{org.id}/"
    return org


def build(cadres: int) -> tuple[Organisation, Organisation, Person, list[Organisation]]:
    """The tree and the people; returns (province, one city, the admin, branches)."""
    province_region = Region(code="51", name="四川省", level="province")
    db.session.add(province_region)
    province = _org("共青团四川省委", OrgLevel.PROVINCE, province_region, None)
    branches: list[Organisation] = []
    first_city = None
    for c in range(20):
        city_region = Region(
            code=f"51{c + 1:02d}", name=f"市{c}", level="city", parent=province_region
        )
        db.session.add(city_region)
        city = _org(f"共青团{c}市委", OrgLevel.CITY, city_region, province)
        first_city = first_city or city
        for k in range(10):
            county_region = Region(
                code=f"51{c + 1:02d}{k + 1:02d}",
                name=f"县{c}-{k}",
                level="county",
                parent=city_region,
            )
            db.session.add(county_region)
            county = _org(f"共青团{c}-{k}县委", OrgLevel.COUNTY, county_region, city)
            for t in range(10):
                town = _org(f"{c}-{k}-{t}乡团委", OrgLevel.TOWNSHIP, county_region, county)
                branches.append(_org(f"{c}-{k}-{t}村团支部", OrgLevel.BRANCH, county_region, town))
    admin = Person(
        name="管理员", name_pinyin="guanliyuan", email="admin@bench.example", is_admin=True
    )
    db.session.add(admin)
    db.session.commit()
    rng = random.Random(12)
    kinds = [*list(CadreKind), None]
    pols = [*list(PoliticalStatus), None]
    rows = []
    for i in range(cadres):
        org = branches[i % len(branches)] if i % 7 else branches[(i * 13) % len(branches)]
        if i % 20 == 1:  # the first city is a large one: its export holds over 10,000 people
            org = branches[(i // 20) % 100]
        rows.append(
            {
                "name": f"干部{i}", "name_pinyin": f"ganbu{i}", "email": f"c{i}@bench.example",
                "session_token": f"t{i}", "is_admin": False, "is_active_account": True,
                "bio": "", "phone_visibility": "shared", "email_visibility": "shared",
                "wechat_visibility": "shared", "membership_org_id": org.id,
                "birth_year": rng.randint(1980, 2004), "cadre_kind": rng.choice(kinds),
                "political_status": rng.choice(pols),
                "phone": f"+86138{i:08d}" if i % 3 else None,
            }
        )  # fmt: skip
    for i in range(0, len(rows), 5000):
        db.session.execute(sa.insert(Person), rows[i : i + 5000])
    db.session.commit()
    ids = db.session.scalars(sa.select(Person.id).where(Person.id != admin.id)).all()
    positions = [
        {
            "person_id": pid, "organisation_id": branches[n % len(branches)].id, "title": "委员",
            "start_date": date(2020 + n % 5, 1, 1),
            "status": PositionStatus.CONFIRMED, "review_note": "",
        }
        for n, pid in enumerate(ids[: cadres // 2])
    ]  # fmt: skip
    for i in range(0, len(positions), 5000):
        db.session.execute(sa.insert(Position), positions[i : i + 5000])
    # Bulk SQL bypasses the flush listeners: count the people once, as the demo seed does.
    from directory.stats import tally

    tally.rebuild()
    db.session.commit()
    assert first_city is not None
    return province, first_city, admin, branches


def timed(fn, runs: int = 1, cpu: list[float] | None = None):  # type: ignore[no-untyped-def]
    """Wall times of `runs` calls (and this process's CPU time of each into `cpu`)."""
    out, result = [], None
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = fn()
        out.append(time.perf_counter() - start)
        if cpu is not None:
            cpu.append(time.process_time() - start_cpu)
    return out, result


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95 + 0.5) - 1)]


def import_file(rows: int, branches: list[Organisation]) -> bytes:
    from openpyxl import Workbook

    from directory.rosters import columns as C

    book = Workbook(write_only=True)
    sheet = book.create_sheet(C.PEOPLE_SHEET)
    sheet.append(list(C.PEOPLE))
    for i in range(rows):
        org = branches[i % len(branches)]
        sheet.append([
            f"新人{i}", f"new{i}@bench.example", f"139{i:08d}", "", "女" if i % 2 else "男",
            str(1990 + i % 12), "共青团员", "兼职", "编制外", f"{org.name} #{org.id}", "委员", "",
            "2024-01-01", "",
        ])  # fmt: skip
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--cadres", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    url = args.database_url
    if not url:
        path = OUT / "desk.sqlite"
        path.unlink(missing_ok=True)
        url = f"sqlite:///{path}"

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        SEARCH_INDEX_DIR = str(OUT / "desk-index")
        UPLOAD_DIR = str(OUT / "desk-uploads")
        SEARCH_AUTO_DRAIN = False

    app = create_app(Config)
    lines: list[str] = []
    with app.app_context(), app.test_request_context("/"):
        db.drop_all()
        db.create_all()
        t0 = time.perf_counter()
        province, city, admin, branches = build(args.cadres)
        print(f"built {args.cadres} cadres in {time.perf_counter() - t0:.1f} s", flush=True)
        dialect = db.engine.dialect.name

        # Reading: calamine (used) vs openpyxl read-only (baseline).
        from openpyxl import load_workbook

        from directory.rosters.reading import read_upload

        data = import_file(args.import_rows, branches)
        cal, _ = timed(lambda: read_upload("bench.xlsx", data), 3)
        opx, _ = timed(
            lambda: [list(r) for r in load_workbook(io.BytesIO(data), read_only=True).worksheets[0].iter_rows(values_only=True)],
            3,
        )  # fmt: skip
        print(f"read: calamine {median_ms(cal)}, openpyxl {median_ms(opx)}", flush=True)

        # Import: preview then commit.
        from directory.rosters.applying import apply_plan
        from directory.rosters.planning import plan_import

        admin = db.session.get(Person, admin.id)
        preview_cpu: list[float] = []
        preview_s, plan = timed(
            lambda: plan_import(admin, read_upload("bench.xlsx", data)), 1, preview_cpu
        )
        assert plan.ok, [r.problems for r in plan.rows if r.problems][:3]

        def commit() -> None:
            with unit_of_work():
                apply_plan(admin, plan)

        commit_cpu: list[float] = []
        commit_s, _ = timed(commit, 1, commit_cpu)
        print(f"import: preview {median_ms(preview_s)}, commit {median_ms(commit_s)}", flush=True)
        # Baseline: the same people by one bulk INSERT (no checks, no positions, no search).
        base_rows = [
            {"name": f"基线{i}", "name_pinyin": "", "email": f"base{i}@bench.example", "session_token": f"b{i}",
             "is_admin": False, "is_active_account": True, "bio": "", "phone_visibility": "shared",
             "email_visibility": "shared", "wechat_visibility": "shared"}
            for i in range(args.import_rows)
        ]  # fmt: skip

        def bulk() -> None:
            with unit_of_work():
                for i in range(0, len(base_rows), 5000):
                    db.session.execute(sa.insert(Person), base_rows[i : i + 5000])

        bulk_s, _ = timed(bulk)
        db.session.expire_all()

        # Export: the 10,000+ people of a subtree (a city and the imported people in it).
        from directory.rosters import scopes, services

        admin = db.session.get(Person, admin.id)
        org = db.session.get(Organisation, city.id)
        load_s, roster = timed(lambda: scopes.org_roster(admin, org, True), 3)
        exports, exports_cpu = {}, {}
        for fmt in ("xlsx", "csv", "vcf"):
            exports_cpu[fmt] = []
            secs, _ = timed(
                lambda fmt=fmt: services.export(admin, scopes.org_roster(admin, org, True), fmt),
                3,
                exports_cpu[fmt],
            )
            exports[fmt] = secs
        print(
            f"export of {len(roster.people)}: "
            + ", ".join(f"{k} {median_ms(v)}" for k, v in exports.items()),
            flush=True,
        )

        # Statistics over the province.
        from directory.core.sql import startswith
        from directory.stats import figures, quality

        prov = db.session.get(Organisation, province.id)
        members = db.session.scalar(
            sa.select(sa.func.count()).select_from(Person).join(Organisation, Organisation.id == Person.membership_org_id)
            .where(startswith(Organisation.path, prov.path))
        )  # fmt: skip

        def stats() -> None:
            figures.all_tables(prov)
            quality.count(quality.stale_people(prov, limit=None))
            quality.count(quality.orgs_without_secretary(prov))
            quality.count_committees(prov)
            quality.count(quality.pending_claims(prov))
            quality.completeness(prov)

        def baseline() -> None:
            db.session.scalar(
                sa.select(sa.func.count()).select_from(Person).join(Organisation, Organisation.id == Person.membership_org_id)
                .where(startswith(Organisation.path, prov.path))
            )  # fmt: skip

        def scan() -> None:
            # The previous method of five of the figures: one GROUP BY over the people.
            cols = (
                Organisation.sector,
                Person.cadre_kind,
                Person.establishment,
                Person.political_status,
                Person.birth_year,
            )
            db.session.execute(
                sa.select(*cols, sa.func.count()).select_from(Person)
                .join(Organisation, Organisation.id == Person.membership_org_id)
                .where(startswith(Organisation.path, prov.path), Person.is_active_account)
                .group_by(*cols)
            ).all()  # fmt: skip

        stats()  # warm
        stats_cpu: list[float] = []
        stats_s, _ = timed(stats, args.runs, stats_cpu)
        base_s, _ = timed(baseline, args.runs)
        scan_s, _ = timed(scan, max(3, args.runs // 4))
        print(
            f"stats over {members}: p50 {median_ms(stats_s)}, p95 {p95(stats_s) * 1000:.0f} ms, "
            f"CPU p95 {p95(stats_cpu) * 1000:.0f} ms; count(*) {median_ms(base_s)}; scan {median_ms(scan_s)}",
            flush=True,
        )

        def ratio(a: list[float], b: list[float]) -> str:
            return f"{statistics.median(a) / statistics.median(b):.1f}×"

        lines = [
            "## The admin's desk (bench/desk.py)",
            "",
            machine(),
            f"Database: {dialect}. Load: a province of 20 cities × 10 counties × 10 townships "
            f"(4,221 organisations), {members:,} cadres after the import; runs: {args.runs} for statistics, 3 for reading and export.",
            "",
            "| what | measured | baseline (same run) | ratio | target |",
            "|---|---|---|---|---|",
            f"| read a {args.import_rows:,}-row XLSX | python-calamine {median_ms(cal)} | openpyxl read-only {median_ms(opx)} | {ratio(cal, opx)} | — |",
            f"| import {args.import_rows:,} rows: preview (read + plan) | {median_ms(preview_s)} (CPU {median_ms(preview_cpu)}) | — | — | |",
            f"| import {args.import_rows:,} rows: commit (people + confirmed positions + outbox + tally + audit, one unit of work) | {median_ms(commit_s)} (CPU {median_ms(commit_cpu)}) | bulk INSERT of the people alone {median_ms(bulk_s)} | {ratio(commit_s, bulk_s)} | preview + commit < 30 s: {'met' if preview_s[0] + commit_s[0] < 30 else 'NOT met'} ({preview_s[0] + commit_s[0]:.1f} s; CPU {preview_cpu[0] + commit_cpu[0]:.1f} s) |",
            f"| export {len(roster.people):,} people (a city's subtree): load + ContactPolicy | {median_ms(load_s)} | — | — | |",
            *(f"| export {len(roster.people):,} people to {k.upper()} (load + write + audit) | {median_ms(v)} (CPU {median_ms(exports_cpu[k])}) | loading them {median_ms(load_s)} | {ratio(v, load_s)} | < 10 s: {'met' if statistics.median(v) < 10 else 'NOT met'}{'' if statistics.median(v) < 10 else (' (CPU: met)' if statistics.median(exports_cpu[k]) < 10 else ' (CPU: NOT met)')} |" for k, v in exports.items()),
            f"| statistics page queries over {members:,} cadres (all figures + quality) | p50 {median_ms(stats_s)}, p95 {p95(stats_s) * 1000:.0f} ms (CPU p95 {p95(stats_cpu) * 1000:.0f} ms) | one GROUP BY scan of the subtree's people (the previous method, five figures only) {median_ms(scan_s)}; one COUNT(*) {median_ms(base_s)} | {ratio(stats_s, scan_s)} of the scan | p95 ≤ 200 ms: {'met' if p95(stats_s) <= 0.2 else 'NOT met'}{'' if p95(stats_s) <= 0.2 else (' (CPU: met)' if p95(stats_cpu) <= 0.2 else ' (CPU: NOT met)')} |",
        ]  # fmt: skip
    text = "\n".join(lines)
    print(text)
    write_section(f"desk-{dialect}", text)


if __name__ == "__main__":
    main()
