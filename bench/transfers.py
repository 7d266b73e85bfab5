"""Transfers: a batch of 1,000 members, and the dashboard over 10,000 descendant transfers.

Usage: .venv/bin/python bench/transfers.py [--transfers 10000] [--batch 1000] [--runs 50]
       [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Builds a fresh database (a SQLite file in bench/out/, or a throw-away PostgreSQL database
next to the URL given), a tree of a city committee with 10 districts x 10 streets x 5
branches, members and transfers in every state, then measures in-process:
- the dashboard page (/transfers/orgs/<city>) as the city admin: p50 and p95;
- one batch of 1,000 members submitted through the CSV upload page;
and writes the "transfers" section of docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

from bench._report import ROOT, machine, write_section
from directory import create_app
from directory.config import TestConfig
from directory.core.enums import OrgLevel
from directory.core.passwords import hash_password
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.people.models import OrgAdmin, Person
from directory.regions.models import Region
from directory.transfers.models import Transfer, TransferEvent, TransferState

OUT = ROOT / "bench" / "out"
PASSWORD = "bench-password-1"
STATES = [
    (TransferState.SUBMITTED, 2),
    (TransferState.APPROVED_OUT, 2),
    (TransferState.RETURNED, 1),
    (TransferState.COMPLETED, 4),
    (TransferState.WITHDRAWN, 1),
]


def _org(name: str, level: OrgLevel, region: Region, parent: Organisation | None) -> Organisation:
    org = Organisation(name=name, level=level, region=region, parent=parent)
    db.session.add(org)
    db.session.flush()
    org.path = f"{parent.path if parent else '/'}{org.id}/"
    return org


def build(n_transfers: int) -> tuple[Organisation, Person, list[Organisation]]:
    """The tree, an admin of the city, members and `n_transfers` transfers below the city."""
    province_r = Region(code="51", name="四川省", level="province")
    city_r = Region(code="5113", name="南充市", level="city", parent=province_r)
    other_r = Region(code="5101", name="成都市", level="city", parent=province_r)
    db.session.add_all([province_r, city_r, other_r])
    province = _org("共青团四川省委", OrgLevel.PROVINCE, province_r, None)
    city = _org("共青团南充市委", OrgLevel.CITY, city_r, province)
    other = _org("共青团成都市委", OrgLevel.CITY, other_r, province)
    branches: list[Organisation] = []
    for d in range(10):
        district = _org(f"第{d}区团委", OrgLevel.COUNTY, city_r, city)
        for s in range(10):
            street = _org(f"第{d}区第{s}街道团工委", OrgLevel.TOWNSHIP, city_r, district)
            for b in range(5):
                branches.append(_org(f"{d}-{s}-{b}团支部", OrgLevel.BRANCH, city_r, street))
    outside = [_org(f"成都{i}团支部", OrgLevel.BRANCH, other_r, other) for i in range(20)]
    admin = Person(
        name="管理员", email="admin@bench.example.org", password_hash=hash_password(PASSWORD)
    )
    db.session.add(admin)
    db.session.flush()
    db.session.add(OrgAdmin(person_id=admin.id, organisation_id=city.id))
    db.session.commit()

    rng = random.Random(7)
    now = datetime.now(UTC).replace(tzinfo=None)
    people = [
        {
            "name": f"成员{i}",
            "name_pinyin": f"chengyuan{i}",
            "email": f"m{i}@bench.example.org",
            "membership_org_id": rng.choice(branches).id,
        }
        for i in range(n_transfers)
    ]
    db.session.execute(sa.insert(Person), people)
    ids = db.session.execute(
        sa.select(Person.id, Person.membership_org_id).where(
            Person.email.like("m%@bench.example.org")
        )
    ).all()
    weights = [w for _s, w in STATES]
    rows, events = [], []
    for pid, org_id in ids:
        state = rng.choices([s for s, _w in STATES], weights)[0]
        incoming = rng.random() < 0.3
        src, dst = (
            (rng.choice(outside).id, org_id) if incoming else (org_id, rng.choice(outside).id)
        )
        since = now - timedelta(days=rng.randint(0, 40))
        rows.append(
            {
                "person_id": pid,
                "from_org_id": src,
                "to_org_id": dst,
                "requested_by_id": pid,
                "reason": "job",
                "note": "",
                "state": state,
                "version": 2,
                "return_reason": "",
                "end_positions": False,
                "state_since": since,
                "completed_at": since if state == TransferState.COMPLETED else None,
                "final_org_id": dst if state == TransferState.COMPLETED else None,
            }
        )
    db.session.execute(sa.insert(Transfer), rows)
    for tid, _state, since in db.session.execute(
        sa.select(Transfer.id, Transfer.state, Transfer.state_since)
    ):
        events.append(
            {
                "transfer_id": tid,
                "action": "submit",
                "from_state": None,
                "to_state": "submitted",
                "note": "",
                "at": since,
            }
        )
    db.session.execute(sa.insert(TransferEvent), events)
    db.session.commit()
    # Fresh statistics, as autovacuum/ANALYZE would have on a live database.
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()
    return city, admin, branches


def login(client, email: str) -> None:
    r = client.post("/auth/login", data={"email": email, "password": PASSWORD})
    assert r.status_code == 302, r.status_code


def measure_dashboard(app, city_id: int, runs: int) -> tuple[list[float], list[float]]:
    client = app.test_client()
    login(client, "admin@bench.example.org")
    url = f"/transfers/orgs/{city_id}"
    assert client.get(url).status_code == 200  # warm-up
    times, cpu = [], []
    for _ in range(runs):
        t0, c0 = time.perf_counter(), time.process_time()
        r = client.get(url)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        assert r.status_code == 200
    return times, cpu


def measure_batch(app, city_id: int, branches: list[int], size: int) -> tuple[float, int]:
    """Upload a CSV of `size` new members moving out of the city; returns (seconds, made)."""
    with app.app_context():
        db.session.execute(
            sa.insert(Person),
            [
                {
                    "name": f"毕业生{i}",
                    "name_pinyin": f"biyesheng{i}",
                    "email": f"g{i}@bench.example.org",
                    "membership_org_id": branches[i % 50],
                }
                for i in range(size)
            ],
        )
        db.session.commit()
        dest = db.session.scalar(
            sa.select(Organisation.id).where(Organisation.name == "成都0团支部")
        )
    csv_text = "".join(f"g{i}@bench.example.org,成都0团支部 #{dest}\n" for i in range(size))
    client = app.test_client()
    login(client, "admin@bench.example.org")
    t0 = time.perf_counter()
    r = client.post(
        f"/transfers/orgs/{city_id}/batch/upload",
        data={"file": (io.BytesIO(csv_text.encode()), "class.csv"), "reason": "graduation"},
        content_type="multipart/form-data",
    )
    elapsed = time.perf_counter() - t0
    assert r.status_code == 302, r.status_code
    with app.app_context():
        made = db.session.scalar(
            sa.select(sa.func.count()).select_from(Transfer).where(Transfer.batch_id.is_not(None))
        )
    return elapsed, made or 0


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def run(url: str, label: str, args: argparse.Namespace) -> str:
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        SEARCH_INDEX_DIR = str(OUT / "transfers-index")

    app = create_app(Config)
    with app.app_context():
        db.drop_all()
        db.create_all()
        t0 = time.perf_counter()
        city, _admin, branch_orgs = build(args.transfers)
        built = time.perf_counter() - t0
        city_id = city.id
        branches = [b.id for b in branch_orgs]
        below = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Transfer)
            .where(
                sa.or_(
                    Transfer.from_org_id.in_(
                        sa.select(Organisation.id).where(Organisation.path.startswith(city.path))
                    ),
                    Transfer.to_org_id.in_(
                        sa.select(Organisation.id).where(Organisation.path.startswith(city.path))
                    ),
                )
            )
        )
    times, cpu = measure_dashboard(app, city_id, args.runs)
    batch_s, made = measure_batch(app, city_id, branches, args.batch)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    line = (
        f"| {label} | {below:,} | {statistics.median(times) * 1000:.0f} ms | "
        f"{p95(times) * 1000:.0f} ms | {p95(cpu) * 1000:.0f} ms | "
        f"{args.batch:,} ({made:,} made) in {batch_s:.2f} s |"
    )
    print(line, f"(data built in {built:.1f} s)")
    return line


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    lines = []
    sqlite_path = OUT / "transfers.sqlite"
    sqlite_path.unlink(missing_ok=True)
    lines.append(run(f"sqlite:///{sqlite_path}", "SQLite", args))
    if args.database_url:
        name = f"bench_transfers_{uuid.uuid4().hex[:6]}"
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
    write_section(
        "transfers",
        "## Membership transfers\n\n"
        f"{machine()}\n\n"
        f"`bench/transfers.py`: the dashboard of a city committee (10 districts × 10 streets × "
        f"5 branches) as its admin, over the transfers touching its subtree, {args.runs} "
        "requests in-process after one warm-up (targets: p95 ≤ 100 ms); then one CSV upload "
        f"of {args.batch:,} members through the batch page (target: under 10 s).\n\n"
        "CPU p95 is the Python process's own CPU time per request (the database server's "
        "is not included), a figure less sensitive to the shared machine's load.\n\n"
        "| database | transfers in subtree | dashboard p50 | dashboard p95 | CPU p95 | "
        "batch upload |\n"
        "|---|---|---|---|---|---|\n" + "\n".join(lines),
    )


if __name__ == "__main__":
    main()
