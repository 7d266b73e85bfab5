"""Search latency of two versions of the code on the same data (issue 11: ranking cost).

Usage: .venv/bin/python bench/search_compare.py --code /work/main --label before
       .venv/bin/python bench/search_compare.py --label after [--cadres 100000]

Uses bench/search.py's database (`seed-demo --cadres N`, built once) and its query kinds
(same seed, so both versions answer the same queries as the same viewer); builds a Whoosh
index with the chosen code (`sync.reindex`, timed), then times each query twice and keeps
the second pass: the index query alone and the whole search service, p95 in ms. Results
accumulate in $SEARCH_BENCH_DIR/compare.json; with both labels present the
"search-ranking-latency" section of docs/PERFORMANCE.md is written. No tantivy needed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from bench import search as base  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cadres", type=int, default=100_000)
    ap.add_argument("--samples", type=int, default=40)
    ap.add_argument("--code", default=str(BENCH.parent))
    ap.add_argument("--label", default="after")
    ap.add_argument("--backend", choices=("whoosh", "postgres"), default="whoosh")
    ap.add_argument("--database-url", default="", help="an already seeded database")
    args = ap.parse_args()
    n = args.cadres
    url = args.database_url or f"sqlite:///{base.OUT / f'search-{n}.sqlite'}"
    if not args.database_url:
        base.build(n)
    sys.path.insert(0, str(Path(args.code).resolve()))

    from directory import create_app
    from directory.search import service, sync
    from directory.search.backends import get_backend

    index_dir = base.OUT / f"compare-index-{args.label}-{n}"
    shutil.rmtree(index_dir, ignore_errors=True)
    app = create_app(
        {
            "ENV_NAME": "dev",
            "SQLALCHEMY_DATABASE_URI": url,
            "SEARCH_BACKEND": args.backend,
            "SEARCH_INDEX_DIR": str(index_dir),
        }
    )
    rows: dict[str, dict[str, float]] = {}
    with app.test_request_context():
        t = time.perf_counter()
        sync.reindex()
        reindex = time.perf_counter() - t
        size = base.dir_size(index_dir) / 1e6 if args.backend == "whoosh" else 0.0
        kinds, viewer = base.query_kinds(app, args.samples)
        backend = get_backend()
        for kind, arg_list in kinds.items():
            runs: dict[str, list[float]] = {"idx": [], "svc": []}
            for measured in (False, True):
                for a in arg_list:
                    params = service.parse(a)
                    q = service._query(viewer, params, 20)
                    sink = runs if measured else {"idx": [], "svc": []}
                    base.timed(lambda q=q: backend.search("person", q), sink["idx"])
                    base.timed(lambda p=params: service.search_people(viewer, p), sink["svc"])
            rows[kind] = {"p95": base.pct(runs["idx"], 0.95), "svc": base.pct(runs["svc"], 0.95)}
            print(f"{kind}: {rows[kind]}", flush=True)
    shutil.rmtree(index_dir, ignore_errors=True)
    path = base.OUT / "compare.json"
    stored = json.loads(path.read_text()) if path.exists() else {}
    key = f"{args.backend}/{n}"
    stored[f"{args.label}/{key}"] = {"rows": rows, "reindex": reindex, "index_mb": size}
    path.write_text(json.dumps(stored, indent=1))
    if f"before/{key}" in stored and f"after/{key}" in stored:
        from bench._report import machine, write_section

        section = "search-ranking-latency" + ("-postgres" if args.backend == "postgres" else "")
        write_section(section, report(stored, key, machine()))


def report(stored: dict[str, Any], key: str, where: str) -> str:
    """Before/after table for one backend and size."""
    b, a = stored[f"before/{key}"], stored[f"after/{key}"]
    backend, n = key.split("/")
    lines = [
        f"## Search latency with the ranking of issue 11 ({backend})",
        "",
        where,
        f"`bench/search_compare.py`: the query kinds of `bench/search.py` on {int(n):,} cadres "
        f"({backend} backend), the same queries and viewer for *before* (main before issue 11) "
        "and *after*, run back to back on the same machine; p95 in milliseconds of the "
        "second of two passes. *index* is the backend query alone, *service* the whole "
        "search (what a request does before rendering).",
        "",
        f"- reindex: before {b['reindex']:.1f} s, after {a['reindex']:.1f} s; index size "
        f"before {b['index_mb']:.1f} MB, after {a['index_mb']:.1f} MB",
        "",
        "| query kind | index p95 before | index p95 after | after / before "
        "| service p95 before | service p95 after | after / before |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, rb in b["rows"].items():
        ra = a["rows"][kind]
        lines.append(
            f"| {kind} | {rb['p95']:.1f} | {ra['p95']:.1f} | {ra['p95'] / max(rb['p95'], 0.01):.1f}× "
            f"| {rb['svc']:.1f} | {ra['svc']:.1f} | {ra['svc'] / max(rb['svc'], 0.01):.1f}× |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
