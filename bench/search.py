"""Directory search benchmark: latency per query kind, reindex, HTTP throughput, references.

Usage: .venv/bin/python bench/search.py [--sizes 10000 100000] [--samples 40]
       [--http-seconds 10] [--no-http] [--no-write]
   or, both backends side by side on one PostgreSQL database (issue 13):
       .venv/bin/python bench/search.py --backends whoosh postgres --database-url URL
       --sizes 100000 [--reuse-index] [--explain]

For each size N it builds $SEARCH_BENCH_DIR/search-N.sqlite (default /tmp/directory-bench-search) with the same commands as bin/demo
(db upgrade, regions load, seed-demo --cadres N on Sichuan's real division tree) unless
it exists, times `flask search reindex`, then measures in-process (median and p95 over
`--samples` different queries of each kind): the index query alone, and the whole search
service (index + loading rows + privacy), against two references on the same data: a
naive SQL `LIKE '%q%'` search and tantivy (bench extra). Then it serves the app with
gunicorn (2 workers) and drives the htmx search fragment with a small load generator.
Writes the "search" section of docs/PERFORMANCE.md. Never part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._report import ROOT, machine, write_section
from bench.search_http import http_load

# Outside bench/out, which other benchmarks clean up.
OUT = Path(os.environ.get("SEARCH_BENCH_DIR", "/tmp/directory-bench-search"))
PYTHON = str(ROOT / ".venv" / "bin" / "python")


# --backend postgres --database-url URL: measure the PostgreSQL backend on a database
# built beforehand (db upgrade, regions load, seed-demo); the SQLite files are not used.
SETTINGS = {"backend": "whoosh", "database_url": "", "index_dir": ""}


def env(n: int) -> dict[str, str]:
    """Environment for flask commands and gunicorn on the size-N database."""
    return {
        **os.environ,
        "DIRECTORY_CONFIG": "dev",
        "DIRECTORY_DATABASE_URL": SETTINGS["database_url"]
        or f"sqlite:///{OUT / f'search-{n}.sqlite'}",
        "DIRECTORY_SEARCH_BACKEND": SETTINGS["backend"],
        "DIRECTORY_SEARCH_INDEX_DIR": SETTINGS["index_dir"] or str(OUT / f"search-index-{n}"),
        "FLASK_APP": "wsgi",
    }


def flask(n: int, *args: str) -> tuple[float, str]:
    """Run a flask command; return wall time and output."""
    t = time.perf_counter()
    out = subprocess.run(
        [PYTHON, "-m", "flask", *args], cwd=ROOT, env=env(n), check=True, capture_output=True
    )
    return time.perf_counter() - t, out.stdout.decode()


def build(n: int) -> None:
    """The demo database of n cadres (kept between runs)."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"search-{n}.sqlite"
    if path.exists() and path.stat().st_size > 1_000_000:
        return
    path.unlink(missing_ok=True)
    flask(n, "db", "upgrade")
    flask(n, "regions", "load")
    flask(n, "seed-demo", "--cadres", str(n))


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def index_bytes(n: int) -> int:
    """Size of the index: the Whoosh directory, or the PostgreSQL table with its indexes."""
    if SETTINGS["backend"] != "postgres":
        # The live index of each document type only (the previous one is kept beside it).
        root = Path(env(n)["DIRECTORY_SEARCH_INDEX_DIR"])
        return sum(dir_size(p.parent / p.read_text().strip()) for p in root.glob("*/CURRENT"))
    import sqlalchemy as sa

    engine = sa.create_engine(env(n)["DIRECTORY_DATABASE_URL"])
    with engine.connect() as conn:
        size = conn.scalar(sa.text("SELECT pg_total_relation_size('search_document')"))
    engine.dispose()
    return int(size or 0)


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) in milliseconds."""
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))] * 1000


def timed(fn: Callable[[], Any], runs: list[float]) -> Any:
    t = time.perf_counter()
    out = fn()
    runs.append(time.perf_counter() - t)
    return out


def query_kinds(app: Any, samples: int) -> tuple[dict[str, list[dict[str, str]]], Any]:
    """For each query kind, `samples` argument sets drawn from the data; and the viewer."""
    from sqlalchemy import select

    from directory.core import text
    from directory.extensions import db
    from directory.orgs.models import Organisation
    from directory.people.models import Person, Position
    from directory.regions.models import Region

    rng = random.Random(7)
    people = db.session.execute(
        select(Person.id, Person.name, Person.bio).where(Person.is_active_account).limit(20000)
    ).all()
    viewer = db.session.get(Person, people[0].id)
    picks = rng.sample(people, min(samples * 3, len(people)))
    two = [p for p in picks if len(p.name) == 2] or picks
    past = db.session.execute(
        select(Organisation.name)
        .join(Position, Position.organisation_id == Organisation.id)
        .where(Position.end_date.is_not(None))
        .limit(2000)
    ).scalars()
    past_orgs = list(dict.fromkeys(past))
    cities = db.session.scalars(
        select(Region.code).where(Region.code.like("51__"), Region.code != "5100")
    ).all()
    bios = [w for p in picks for w in text.segment(p.bio or "") if len(w) >= 2 and text.is_han(w)]
    surnames = [p.name[0] for p in picks]

    def spaced(name: str) -> str:
        return " ".join(text.name_syllables(name))

    def seq(fn: Callable[[int], dict[str, str]]) -> list[dict[str, str]]:
        return [fn(i) for i in range(samples)]

    def city(i: int) -> str:
        return cities[i % len(cities)]

    kinds = {
        "full name": seq(lambda i: {"q": picks[i].name}),
        "two-character name": seq(lambda i: {"q": two[i % len(two)].name}),
        "surname alone": seq(lambda i: {"q": surnames[i]}),
        "full pinyin": seq(lambda i: {"q": text.name_pinyin(picks[i].name)}),
        "spaced pinyin": seq(lambda i: {"q": spaced(picks[i].name)}),
        "initials": seq(lambda i: {"q": text.name_initials(picks[i].name)}),
        "mixed 张t": seq(
            lambda i: {"q": picks[i].name[0] + text.name_initials(picks[i].name)[1:2]}
        ),
        "surname pinyin prefix": seq(lambda i: {"q": text.name_syllables(picks[i].name)[0][:3]}),
        "organisation word": seq(
            lambda i: {"q": ["南充", "团市委", "团委", "绵阳", "成都"][i % 5]}
        ),
        "position": seq(lambda i: {"q": ["书记", "副书记", "委员", "组织委员"][i % 4]}),
        "former organisation": seq(
            lambda i: {"q": past_orgs[i % len(past_orgs)], "status": "former"}
        ),
        "bio word": seq(lambda i: {"q": bios[i % len(bios)] if bios else "志愿"}),
        "region filter": seq(lambda i: {"region": city(i)}),
        "filtered + faceted page 3": seq(
            lambda i: {"q": "委员", "region": city(i)[:2], "status": "current", "page": "3"}
        ),
    }
    return kinds, viewer


def measure(n: int, samples: int, like_samples: int = 10) -> dict[str, Any]:
    """In-process figures for one size."""
    from bench.search_refs import LikeSearch, TantivySearch  # needs the bench extra
    from directory import create_app
    from directory.search import service
    from directory.search.backends import get_backend

    e = env(n)
    app = create_app(
        {
            "ENV_NAME": "dev",
            "SQLALCHEMY_DATABASE_URI": e["DIRECTORY_DATABASE_URL"],
            "SEARCH_BACKEND": e["DIRECTORY_SEARCH_BACKEND"],
            "SEARCH_INDEX_DIR": e["DIRECTORY_SEARCH_INDEX_DIR"],
        }
    )
    rows: dict[str, dict[str, float]] = {}
    with app.test_request_context():
        kinds, viewer = query_kinds(app, samples)
        backend = get_backend()
        like = LikeSearch()
        t0 = time.perf_counter()
        tantivy = TantivySearch.build()
        tantivy_build = time.perf_counter() - t0
        for kind, arg_list in kinds.items():
            runs: dict[str, list[float]] = {"idx": [], "svc": [], "like": [], "tv": []}
            for measured in (False, True):  # the first pass warms caches and is dropped
                for args in arg_list:
                    params = service.parse(args)
                    q = service._query(viewer, params, 20)
                    sink = runs if measured else {k: [] for k in runs}
                    timed(lambda q=q: backend.search("person", q), sink["idx"])
                    timed(lambda p=params: service.search_people(viewer, p), sink["svc"])
                    if measured and len(sink["like"]) < like_samples:
                        timed(lambda p=params: like.search(p), sink["like"])
                    timed(lambda q=q: tantivy.search(q), sink["tv"])
            rows[kind] = {
                "median": statistics.median(runs["idx"]) * 1000,
                "p95": pct(runs["idx"], 0.95),
                "service_p95": pct(runs["svc"], 0.95),
                "like_p95": pct(runs["like"], 0.95),
                "tantivy_p95": pct(runs["tv"], 0.95),
            }
            print(f"  {kind}: {rows[kind]}", flush=True)
    return {"rows": rows, "tantivy_build": tantivy_build}


def report(results: dict[int, dict[str, Any]]) -> str:
    """The markdown section."""
    lines = [
        "## Search" + ("" if SETTINGS["backend"] == "whoosh" else " (PostgreSQL backend)"),
        "",
        machine(),
        f"Backend: `{SETTINGS['backend']}`.",
        "Data: `flask seed-demo` cadres on Sichuan's real division tree "
        f"({'PostgreSQL' if SETTINGS['database_url'].startswith('postgres') else 'SQLite'}). "
        "Latencies in milliseconds; *index* is the backend query alone (match, filters, "
        "facet counts, page of keys), *service* adds loading the rows and the privacy "
        "predicate (what the view does before rendering). References on the same data: "
        "*LIKE* is a naive `LIKE '%q%'` over names, pinyin, organisations, titles and bios "
        "with a count (p95 over its first 10 queries per kind: it is slow); *tantivy* is the same documents and query tree in tantivy 0.27 "
        "(compiled; the practical limit). Each kind runs `--samples` different queries twice; "
        "the first (cache-warming) pass is dropped. Caveat on the tantivy column: tantivy-py has "
        "no cached filter sets, so its facet counts here are one count query per facet value "
        "(about 20-40 per search), which dominates its time: the ratio compares whole faceted "
        "requests, not the engines' matching speed.",
        "",
    ]
    for n, r in results.items():
        lines += [
            f"### {n:,} cadres",
            "",
            f"- full reindex (`flask search reindex`): **{r['reindex']:.1f} s**; "
            f"index size {r['index_mb']:.1f} MB; tantivy in-memory build {r['tantivy_build']:.1f} s",
        ]
        if "http" in r:
            h = r["http"]
            lines.append(
                f"- HTTP, gunicorn 2 sync workers, {h['clients']} clients for {h['seconds']:.0f} s "
                f"on the htmx search fragment (mixed query kinds): **{h['rps']:.0f} req/s**, "
                f"p95 {h['p95']:.0f} ms, median {h['median']:.0f} ms, errors {h['errors']}; "
                f"worker start-up (fork to first answer) {h['startup']:.1f} s; "
                f"worker RSS after the run {h['rss_mb']:.0f} MB each"
            )
        lines += [
            "",
            "| query kind | index median | index p95 | service p95 | LIKE p95 | tantivy p95 "
            "| LIKE / index | index / tantivy |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for kind, row in r["rows"].items():
            lines.append(
                f"| {kind} | {row['median']:.1f} | {row['p95']:.1f} | {row['service_p95']:.1f} "
                f"| {row['like_p95']:.1f} | {row['tantivy_p95']:.2f} "
                f"| {row['like_p95'] / max(row['p95'], 0.01):.0f}× "
                f"| {row['p95'] / max(row['tantivy_p95'], 0.001):.1f}× |"
            )
        lines.append("")
    if len(results) >= 2:
        small, big = sorted(results)[0], sorted(results)[-1]
        for column, what in (("p95", "index"), ("service_p95", "service (what a request does)")):
            growth = [
                results[big]["rows"][k][column] / max(results[small]["rows"][k][column], 0.01)
                for k in results[big]["rows"]
            ]
            lines.append(
                f"\n{what} p95 growth from {small:,} to {big:,} cadres: median over kinds "
                f"{statistics.median(growth):.1f}×, worst {max(growth):.1f}×."
            )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--samples", type=int, default=40)
    ap.add_argument("--like-samples", type=int, default=10, help="LIKE is slow: fewer runs")
    ap.add_argument("--http-seconds", type=float, default=10.0)
    ap.add_argument("--no-http", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--backend", choices=("whoosh", "postgres"), default="whoosh")
    ap.add_argument(
        "--backends",
        nargs="+",
        choices=("whoosh", "postgres"),
        help="several: side by side on one --database-url (bench/search_side.py)",
    )
    ap.add_argument("--database-url", default="", help="an already seeded database")
    ap.add_argument("--index-dir", default="", help="the Whoosh index directory")
    ap.add_argument("--reuse-index", action="store_true", help="no reindex (side by side)")
    ap.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE (side by side)")
    args = ap.parse_args()
    if args.backends:
        if not args.database_url:
            ap.error("--backends needs --database-url (a PostgreSQL database seeded once)")
        from bench import search_side

        search_side.main(args)
        return
    SETTINGS.update(backend=args.backend, database_url=args.database_url, index_dir=args.index_dir)
    results: dict[int, dict[str, Any]] = {}
    for n in args.sizes:
        print(f"== {n} cadres: building database", flush=True)
        if not args.database_url:
            build(n)
        seconds, out = flask(n, "search", "reindex")
        print(out.strip(), flush=True)
        r = measure(n, args.samples, args.like_samples)
        r["reindex"] = seconds
        r["index_mb"] = index_bytes(n) / 1e6
        if not args.no_http:
            r["http"] = http_load(env(n), args.http_seconds)
        results[n] = r
        print(report({n: r}), flush=True)
    text = report(results)
    if not args.no_write:
        # One section per backend: the Whoosh figures stay when PostgreSQL's are measured.
        write_section("search" if args.backend == "whoosh" else "search-postgres", text)
    print(text)


if __name__ == "__main__":
    main()
