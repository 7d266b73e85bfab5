"""Search latency of several versions of the code on the same data, interleaved (issue 11).

Usage: .venv/bin/python bench/search_compare.py --database-url URL \\
           --version before=/work/wt/old-checkout --version after=. [--samples 40]
       (LABEL=CHECKOUT:INDEX_DIR uses an index that version built beforehand)

URL is a database seeded once (`flask db upgrade`, `regions load`, `seed-demo --cadres N`).
Each version runs in its own process with its own code on sys.path: it builds its own
Whoosh index of the database (`sync.reindex`, timed, one version after the other), then
answers the same queries (the query kinds of `bench/search.py`, drawn once by this
checkout's code, the same viewer) *interleaved*: for every query, each version runs it in
turn (the order alternating), so all versions see the same load at the same moment.
Each query runs as a request would: a fresh database session, the viewer loaded, then
timed: the index query alone (*index*) and the whole search service (*service*: index,
loading the rows, privacy, region names). Two passes; the first warms caches and is
dropped. Medians and p95 in milliseconds, the 1-minute load average per kind, ratios of
the last version to the first. Results go to $SEARCH_BENCH_DIR/compare-interleaved.json
and the "search-ranking-latency" section of docs/PERFORMANCE.md. No tantivy needed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

BENCH = Path(__file__).resolve().parent
TARGET = 1.5  # issue 11: after ≤ 1.5× before per kind


def worker(code: str, url: str, index_dir: str, queries: str, backend_name: str = "whoosh") -> None:
    """One version: build its index, then time the queries the driver names on stdin."""
    sys.path.insert(0, str(Path(code).resolve()))
    import directory
    from directory import create_app
    from directory.extensions import db
    from directory.people.models import Person
    from directory.search import service, sync
    from directory.search.backends import get_backend

    data = json.loads(Path(queries).read_text())
    # PostgreSQL's search table is the database's: built beforehand, shared by the versions.
    reuse = backend_name == "postgres" or (Path(index_dir) / "person" / "CURRENT").exists()
    app = create_app(
        {
            "ENV_NAME": "dev",
            "SQLALCHEMY_DATABASE_URI": url,
            "SEARCH_BACKEND": backend_name,
            "SEARCH_INDEX_DIR": index_dir,
        }
    )
    out, sys.stdout = sys.stdout, sys.stderr  # only the answers on the pipe
    with app.app_context():
        t = time.perf_counter()
        if not reuse:  # an index built beforehand by this version (`flask search reindex`)
            sync.reindex()
        reindex = None if reuse else time.perf_counter() - t
        if backend_name == "postgres":
            size = db.session.scalar(db.text("SELECT pg_total_relation_size('search_document')"))
        else:
            size = sum(p.stat().st_size for p in Path(index_dir).rglob("*") if p.is_file())
        backend = get_backend()
        _send(
            out,
            {
                "ready": True,
                "reindex": reindex,
                "index_mb": size / 1e6,
                "code": str(Path(directory.__file__).parent),
            },
        )
        for line in sys.stdin:
            kind, i = json.loads(line)
            db.session.remove()
            with app.test_request_context():
                viewer = db.session.get(Person, data["viewer"])
                params = service.parse(data["kinds"][kind][i])
                q = service._query(viewer, params, 20)
                t = time.perf_counter()
                backend.search("person", q)
                idx = time.perf_counter() - t
                t = time.perf_counter()
                service.search_people(viewer, params)
                svc = time.perf_counter() - t
            _send(out, {"idx": idx, "svc": svc})


def _send(out: IO[str], message: dict[str, Any]) -> None:
    out.write(json.dumps(message) + "\n")
    out.flush()


class Version:
    """A worker process running one version of the code."""

    def __init__(
        self, label: str, code: str, url: str, queries: Path, index: str, backend: str
    ) -> None:
        self.label, self.code = label, code
        out = Path(os.environ.get("SEARCH_BENCH_DIR", "/tmp/directory-bench-search"))
        self.keep = bool(index)
        self.index_dir = Path(index) if index else out / f"compare-index-{label}"
        if not self.keep:
            shutil.rmtree(self.index_dir, ignore_errors=True)
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--worker", code, "--database-url", url,
             "--index-dir", str(self.index_dir), "--queries", str(queries),
             "--backend", backend],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=code,
        )  # fmt: skip
        self.info: dict[str, Any] = {}

    def receive(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"version {self.label} ({self.code}) stopped")
        return json.loads(line)  # type: ignore[no-any-return]

    def run(self, kind: str, i: int) -> dict[str, float]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps([kind, i]) + "\n")
        self.proc.stdin.flush()
        return self.receive()

    def stop(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=60)
        if not self.keep:
            shutil.rmtree(self.index_dir, ignore_errors=True)


def draw_queries(url: str, samples: int, path: Path) -> None:
    """The query kinds of bench/search.py, drawn once with this checkout's code."""
    sys.path.insert(0, str(BENCH.parent))
    from bench import search as base
    from directory import create_app

    app = create_app({"ENV_NAME": "dev", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        kinds, viewer = base.query_kinds(app, samples)
        path.write_text(json.dumps({"viewer": viewer.id, "kinds": kinds}, ensure_ascii=False))


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) in milliseconds."""
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))] * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", required=True, help="a seeded database")
    ap.add_argument(
        "--version",
        action="append",
        default=[],
        help="LABEL=CHECKOUT[:INDEX_DIR] (an index that version built beforehand: no reindex)",
    )
    ap.add_argument("--samples", type=int, default=40)
    ap.add_argument("--note", default="", help="printed under the table")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument(
        "--backend",
        choices=("whoosh", "postgres"),
        default="whoosh",
        help="postgres: the search table of --database-url, built beforehand (never rebuilt)",
    )
    ap.add_argument(
        "--section",
        default="search-ranking-latency",
        help="the PERFORMANCE.md section to write, and its title after '='",
    )
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--index-dir", help=argparse.SUPPRESS)
    ap.add_argument("--queries", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.database_url, args.index_dir, args.queries, args.backend)
        return
    if len(args.version) < 2:
        ap.error("give at least two --version LABEL=CHECKOUT (the first is the baseline)")
    out = Path(os.environ.get("SEARCH_BENCH_DIR", "/tmp/directory-bench-search"))
    out.mkdir(parents=True, exist_ok=True)
    queries = out / "compare-queries.json"
    draw_queries(args.database_url, args.samples, queries)
    kinds = json.loads(queries.read_text())["kinds"]
    versions = []
    for spec in args.version:
        label, _, rest = spec.partition("=")
        code, _, index = rest.partition(":")
        v = Version(
            label, str(Path(code).resolve()), args.database_url, queries, index, args.backend
        )
        v.info = v.receive()  # one reindex at a time: each is timed alone
        print(f"{label}: {v.info}", flush=True)
        versions.append(v)
    rows: dict[str, dict[str, Any]] = {}
    try:
        for kind, arg_list in kinds.items():
            load = os.getloadavg()[0]
            runs = {v.label: {"idx": [], "svc": []} for v in versions}
            for measured in (False, True):
                for i in range(len(arg_list)):
                    turn = versions if i % 2 == 0 else versions[::-1]
                    for v in turn:
                        r = v.run(kind, i)
                        if measured:
                            runs[v.label]["idx"].append(r["idx"])
                            runs[v.label]["svc"].append(r["svc"])
            rows[kind] = {"load": (load + os.getloadavg()[0]) / 2}
            for label, r in runs.items():
                rows[kind][label] = {
                    f"{part}_{stat}": fn(r[part])
                    for part in ("idx", "svc")
                    for stat, fn in (
                        ("median", lambda x: statistics.median(x) * 1000),
                        ("p95", lambda x: pct(x, 0.95)),
                    )
                }
            print(f"{kind}: {json.dumps(rows[kind])}", flush=True)
    finally:
        for v in versions:
            v.stop()
    result = {
        "versions": [{"label": v.label, "code": v.code, **v.info} for v in versions],
        "rows": rows,
        "samples": args.samples,
        "backend": args.backend,
    }
    (out / "compare-interleaved.json").write_text(json.dumps(result, indent=1))
    section, _, title = args.section.partition("=")
    text = report(result, args.database_url, args.note, title)
    print(text)
    if not args.no_write:
        sys.path.insert(0, str(BENCH.parent))
        from bench._report import write_section

        write_section(section, text)


def _commit(code: str) -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=code, capture_output=True, text=True,
            check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "?"


def report(result: dict[str, Any], url: str, note: str = "", title: str = "") -> str:
    """The markdown table: first version against the last, per kind."""
    sys.path.insert(0, str(BENCH.parent))
    from bench._report import machine

    vs = result["versions"]
    first, last = vs[0]["label"], vs[-1]["label"]
    db_kind = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    backend = result.get("backend", "whoosh")
    lines = [
        f"## {title or 'Search latency with the ranking of issue 11'} ({backend}, 100,000 cadres)",
        "",
        machine(),
        "",
        "`bench/search_compare.py`: the query kinds of `bench/search.py` "
        f"({result['samples']} queries each) on one {db_kind} database seeded with "
        "`seed-demo --cadres 100000`, each version of the code in its own process with its "
        + ("own Whoosh index" if backend == "whoosh" else "the database's search table")
        + ", the same queries and viewer, **interleaved query by query** (so "
        "every version sees the same load), each query as a request runs it (fresh session). "
        "Two passes, the first dropped. Milliseconds; *index* is the backend query alone, "
        "*service* the whole search (index, loading rows, privacy, region names). *load* is "
        "the 1-minute load average during the kind (2 CPUs). "
        + (
            f"Target (issue 11): {last} ≤ {TARGET}× {first} (service p95) per kind."
            if not title
            else f"The last column: {last} within {TARGET}× of {first} (no regression)."
        ),
        "",
    ]
    for v in vs:
        built = (
            "index built beforehand" if v["reindex"] is None else f"reindex {v['reindex']:.0f} s"
        )
        lines.append(
            f"- {v['label']}: commit {_commit(v['code'])}; {built}, index {v['index_mb']:.0f} MB"
        )
    lines += [
        "",
        f"| query kind | load | index p95 {first} | index p95 {last} | service median {first} "
        f"| service median {last} | service p95 {first} | service p95 {last} "
        f"| {last} / {first} (median) | {last} / {first} (p95) | ≤ {TARGET}× |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    ratios = []
    for kind, row in result["rows"].items():
        b, a = row[first], row[last]
        rm = a["svc_median"] / max(b["svc_median"], 0.01)
        rp = a["svc_p95"] / max(b["svc_p95"], 0.01)
        ratios.append(rp)
        lines.append(
            f"| {kind} | {row['load']:.1f} | {b['idx_p95']:.1f} | {a['idx_p95']:.1f} "
            f"| {b['svc_median']:.1f} | {a['svc_median']:.1f} | {b['svc_p95']:.1f} "
            f"| {a['svc_p95']:.1f} | {rm:.2f}× | {rp:.2f}× | {'yes' if rp <= TARGET else 'no'} |"
        )
    lines += [
        "",
        f"Service p95 {last} / {first}: median over kinds {statistics.median(ratios):.2f}×, "
        f"worst {max(ratios):.2f}×; within {TARGET}× for {sum(x <= TARGET for x in ratios)} "
        f"of {len(ratios)} kinds.",
    ]
    if note:
        lines += ["", note]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
