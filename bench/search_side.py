"""Both search backends side by side on one database (bench/search.py --backends ...).

Issue 13's measure: the same data (a PostgreSQL database seeded once with `seed-demo`),
the same queries and viewer, each query kind run on Whoosh then on PostgreSQL back to
back (so both see the same machine load), two passes with the first dropped. Prints and
writes the "search-side-by-side" section of docs/PERFORMANCE.md; with `--explain`,
EXPLAIN (ANALYZE, BUFFERS) of every statement the PostgreSQL backend runs for the first
query of each kind goes to the "search-plans" section of docs/SEARCH.md.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path
from typing import Any

from bench import search as base
from bench._report import ROOT, machine, write_section

SEARCH_DOC = ROOT / "docs" / "SEARCH.md"
TARGET_MS, TARGET_RATIO = 30.0, 3.0  # issue 13 at 100k: service p95 ≤ 30 ms and ≤ 3× Whoosh


def _load() -> float:
    return os.getloadavg()[0]


def _app(n: int, backend: str) -> Any:
    from directory import create_app

    base.SETTINGS["backend"] = backend
    e = base.env(n)
    return create_app(
        {
            "ENV_NAME": "dev",
            "SQLALCHEMY_DATABASE_URI": e["DIRECTORY_DATABASE_URL"],
            "SEARCH_BACKEND": backend,
            "SEARCH_INDEX_DIR": e["DIRECTORY_SEARCH_INDEX_DIR"],
        }
    )


def _explain(app: Any, viewer_id: int, args: dict[str, str]) -> list[str]:
    """EXPLAIN ANALYZE of each statement the backend runs for one search, cold (its
    per-process bitsets dropped first, as after a write)."""
    from sqlalchemy import event

    from directory.extensions import db
    from directory.people.models import Person
    from directory.search import service
    from directory.search.backends import get_backend

    out: list[str] = []
    with app.test_request_context():
        viewer = db.session.get(Person, viewer_id)
        q = service._query(viewer, service.parse(args), 20)
        seen: list[tuple[str, Any]] = []

        def grab(conn: Any, cursor: Any, statement: str, params: Any, ctx: Any, many: bool) -> None:
            seen.append((statement, params))

        backend = get_backend()
        # Cold, as the first search after a write: the rank order and every posting list.
        backend._bits.clear()
        event.listen(db.engine, "before_cursor_execute", grab)
        try:
            backend.search("person", q)
        finally:
            event.remove(db.engine, "before_cursor_execute", grab)
        conn = db.session.connection()
        for statement, params in seen:
            if statement.startswith(("SET", "RESET")):
                continue
            if statement.startswith("SELECT set_config"):  # the backend's planner settings
                conn.exec_driver_sql(statement, params)
                continue
            plan = conn.exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, params
            ).all()
            short = " ".join(statement.split())
            short = short if len(short) < 400 else short[:400] + " …"
            out += [f"-- {short}", *(r[0] for r in plan), ""]
        db.session.rollback()
    return out


def run(
    n: int,
    backends: list[str],
    samples: int,
    explain: bool,
    reuse: bool,
    http_seconds: float | None,
) -> dict[str, Any]:
    """Reindex (unless reused), then every kind on every backend, interleaved."""
    from directory.extensions import db
    from directory.people.models import Person
    from directory.search import service
    from directory.search.backends import get_backend

    result: dict[str, Any] = {"reindex": {}, "index_mb": {}, "http": {}, "rows": {}}
    for b in backends:
        base.SETTINGS["backend"] = b
        if not reuse:
            load = _load()
            seconds, out = base.flask(n, "search", "reindex")
            print(f"{b}: {out.strip()} (load {load:.1f})", flush=True)
            result["reindex"][b] = (seconds, load)
        result["index_mb"][b] = base.index_bytes(n) / 1e6
    apps = {b: _app(n, b) for b in backends}
    with apps[backends[0]].app_context():
        kinds, viewer = base.query_kinds(apps[backends[0]], samples)
        viewer_id = viewer.id
    plans: dict[str, list[str]] = {}
    for kind, arg_list in kinds.items():
        answers: dict[str, dict[str, Any]] = {}
        row: dict[str, Any] = {"load": _load()}
        for b in backends:
            with apps[b].test_request_context():
                viewer = db.session.get(Person, viewer_id)
                backend = get_backend()
                runs: dict[str, list[float]] = {"idx": [], "svc": []}
                for measured in (False, True):
                    for args in arg_list:
                        params = service.parse(args)
                        q = service._query(viewer, params, 20)
                        sink = runs if measured else {"idx": [], "svc": []}
                        res = base.timed(
                            lambda q=q, be=backend: be.search("person", q), sink["idx"]
                        )
                        if measured:
                            facets = {k: sorted(v.items()) for k, v in res.facets.items()}
                            answers.setdefault(repr(args), {})[b] = (
                                res.keys,
                                res.total,
                                sorted(facets.items()),
                            )
                        base.timed(
                            lambda p=params, v=viewer: service.search_people(v, p), sink["svc"]
                        )
                        db.session.rollback()
            row[b] = {
                "idx_median": statistics.median(runs["idx"]) * 1000,
                "idx_p95": base.pct(runs["idx"], 0.95),
                "svc_median": statistics.median(runs["svc"]) * 1000,
                "svc_p95": base.pct(runs["svc"], 0.95),
            }
        row["load_after"] = _load()
        row["same"] = sum(len({repr(v) for v in a.values()}) == 1 for a in answers.values())
        row["asked"] = len(answers)
        result["rows"][kind] = row
        print(f"  {kind}: {row}", flush=True)
        if explain and "postgres" in backends:
            plans[kind] = _explain(apps["postgres"], viewer_id, arg_list[0])
            plans[kind].insert(0, f"arguments: {arg_list[0]}")
    result["plans"] = plans
    if http_seconds:
        for b in backends:
            base.SETTINGS["backend"] = b
            load = _load()
            h = base.http_load(base.env(n), http_seconds)
            h["load"] = (load + _load()) / 2
            result["http"][b] = h
            print(f"  HTTP {b}: {h}", flush=True)
    return result


def report(n: int, backends: list[str], r: dict[str, Any], note: str = "") -> str:
    """The markdown section (PERFORMANCE.md)."""
    w, p = "whoosh", "postgres"
    lines = [
        f"## Search, both backends side by side ({n:,} cadres)",
        "",
        machine(),
        "",
        "`bench/search.py --backends whoosh postgres`: one PostgreSQL database seeded with "
        f"`seed-demo --cadres {n}` (Sichuan's real division tree), the same queries and viewer "
        "for both backends, each query kind run on Whoosh then on PostgreSQL back to back "
        "(so both see the same load), `--samples` different queries per kind, two passes, "
        "the first dropped. Milliseconds. *index* is the backend query alone (match, "
        "filters, facet counts, page of keys), *service* the whole search as a request runs "
        "it (index + loading the rows + privacy). *load* is the 1-minute load average when "
        "the kind started (2 CPUs shared with other work: figures above ~2 are inflated). "
        f"Targets (issue 13, 100k): PostgreSQL service p95 ≤ {TARGET_MS:.0f} ms and ≤ "
        f"{TARGET_RATIO:.0f}× Whoosh's.",
        "",
    ]
    if note:
        lines += [note, ""]
    for b in backends:
        extra = []
        if b in r["reindex"]:
            seconds, load = r["reindex"][b]
            extra.append(f"reindex {seconds:.0f} s (load {load:.1f})")
        extra.append(f"index size {r['index_mb'][b]:.0f} MB")
        if b in r["http"]:
            h = r["http"][b]
            extra.append(
                f"HTTP (gunicorn, 2 sync workers, {h['clients']} clients, {h['seconds']:.0f} s, "
                f"htmx search fragment): **{h['rps']:.1f} req/s**, p95 {h['p95']:.0f} ms, "
                f"median {h['median']:.0f} ms, errors {h['errors']} (load {h['load']:.1f})"
            )
        lines.append(f"- {b}: " + "; ".join(extra))
    if w in r["http"] and p in r["http"]:
        ratio = r["http"][p]["rps"] / max(r["http"][w]["rps"], 0.01)
        lines.append(f"- HTTP requests/s {p} / {w}: **{ratio:.2f}×** (target ≥ 0.8×)")
    lines += [
        "",
        f"| query kind | {w} index p95 | {w} service p95 | {p} index median | {p} index p95 "
        f"| {p} service median | {p} service p95 | {p} / {w} (service p95) | load | targets |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    ratios, met = [], 0
    nothing = {"idx_p95": float("nan"), "svc_p95": float("nan")}
    for kind, row in r["rows"].items():
        a, b = row.get(w, nothing), row[p]
        ratio = b["svc_p95"] / max(a["svc_p95"], 0.01)
        ratios.append(ratio)
        ok = b["svc_p95"] <= TARGET_MS and not ratio > TARGET_RATIO
        met += ok
        lines.append(
            f"| {kind} | {a['idx_p95']:.1f} | {a['svc_p95']:.1f} | {b['idx_median']:.1f} "
            f"| {b['idx_p95']:.1f} | {b['svc_median']:.1f} | {b['svc_p95']:.1f} | {ratio:.1f}× "
            f"| {row['load']:.1f} | {'met' if ok else 'not met'} |"
        )
    same = sum(row["same"] for row in r["rows"].values())
    asked = sum(row["asked"] for row in r["rows"].values())
    if w in backends:
        lines += [
            "",
            f"Same answers: {same} of {asked} queries gave both backends the same page of "
            "keys (in the same order), the same total and the same facet counts.",
            "",
            f"{p} / {w} service p95: median over kinds {statistics.median(ratios):.1f}×, "
            f"worst {max(ratios):.1f}×; targets met for {met} of {len(ratios)} kinds.",
        ]
    else:
        lines += [
            "",
            f"Whoosh not measured in this run: ≤ {TARGET_MS:.0f} ms met for {met} "
            f"of {len(ratios)} kinds (the ratio target unchecked).",
        ]
    return "\n".join(lines)


def plans_report(n: int, plans: dict[str, list[str]]) -> str:
    """EXPLAIN ANALYZE of each query kind (SEARCH.md)."""
    lines = [
        f"### Query plans at {n:,} cadres",
        "",
        machine(),
        "",
        "Written by `bench/search.py --backends whoosh postgres --explain`: every statement "
        "the PostgreSQL backend runs for the first query of each kind, cold (as the first "
        "search after a write: the rank order and every posting list read), with "
        "`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)` (timings include the machine's load).",
        "",
    ]
    for kind, plan in plans.items():
        lines += [f"#### {kind}", "", "```", *plan, "```", ""]
    return "\n".join(lines)


def main(args: Any) -> None:
    """Called by bench/search.py when several backends are given."""
    base.SETTINGS.update(database_url=args.database_url, index_dir=args.index_dir)
    for n in args.sizes:
        started = time.strftime("%H:%M")
        r = run(
            n,
            args.backends,
            args.samples,
            args.explain,
            args.reuse_index,
            None if args.no_http else args.http_seconds,
        )
        note = "Indexes reused from an earlier build (reindex not timed in this run)." * bool(
            args.reuse_index
        )
        text = report(n, args.backends, r, note)
        print(text, flush=True)
        if not args.no_write:
            write_section(f"search-side-by-side-{n}", text)
            if r["plans"]:
                write_section(f"search-plans-{n}", plans_report(n, r["plans"]), SEARCH_DOC)
        print(f"started {started}, done {time.strftime('%H:%M')}", flush=True)
        Path(base.OUT).mkdir(parents=True, exist_ok=True)
