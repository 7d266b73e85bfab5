"""Search relevance benchmark: precision@1, MRR and recall@10 per query kind, per backend.

Usage: .venv/bin/python bench/search_relevance.py [--backend whoosh|postgres]
       [--database-url URL] [--cadres 3000] [--code DIR] [--label after] [--no-write]

The world is the demo (`flask seed-demo --cadres 3000` on Sichuan's division tree, as
bin/demo builds it) plus constructed hard cases (`HARD` below: dotted names, same names
near and far from the viewer, look-alike pinyin). The labelled query set
(bench/search_relevance.json: kind, query, viewer and relevant people, by e-mail) is
generated from that world once and then reused, so every run and every version of the
code answers the same questions. `--code DIR` imports the application from another
checkout (e.g. main, for the "before" figures). Results go to the "search-relevance"
section of docs/PERFORMANCE.md, one table per backend and label. Never part of the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
QUERIES = BENCH / "search_relevance.json"
OUT = Path(os.environ.get("SEARCH_BENCH_DIR", "/tmp/directory-bench-relevance"))

# Query kinds that are names (the targets in issue 11 are for these).
NAME_KINDS = (
    "full name",
    "full pinyin",
    "initials",
    "given name",
    "name prefix",
    "compound surname",
    "polyphonic surname",
    "rare character",
    "traditional input",
    "dotted name",
    "same name, viewer proximity",
    "fuzzy pinyin",
    "mistyped pinyin",
)
OTHER_KINDS = ("common surname", "organisation")

# Constructed people: (key, name, where, title, start, end). `where` is "viewer" (the
# viewer's current organisation), "parent", "child", "far" (an organisation in another
# city) or "county" (another organisation in the viewer's county).
CUR = date(2022, 3, 1)
HARD: list[tuple[str, str, str]] = [
    ("dot1", "阿依古丽·买买提", "far"),
    ("dot2", "买买提·吐尔逊", "far"),
    ("dot3", "次仁•多吉", "far"),
    ("dot4", "扎西・顿珠", "far"),
    ("dot5", "古丽．艾力", "far"),
    ("dot6", "努尔·艾合买提", "far"),
    ("dot7", "艾力·买买提", "far"),
    ("near_wangwei", "王伟", "viewer"),
    ("far_wangwei", "王伟", "far"),
    ("near_liujing", "刘静", "child"),
    ("far_liujing", "刘静", "far"),
    ("near_zhangmin", "张敏", "parent"),
    ("far_zhangmin", "张敏", "far"),
    ("near_chenjie", "陈杰", "county"),
    ("far_chenjie", "陈杰", "far"),
    ("near_lihua", "李华", "viewer"),
    ("far_lihua", "李华", "far"),
    ("near_yangfan", "杨帆", "child"),
    ("far_yangfan", "杨帆", "far"),
    ("zang", "臧彤彤", "far"),
    ("zhan", "詹思思", "far"),
    ("nie", "聂兰兰", "far"),
    ("lin", "林婧婧", "far"),
    ("ling", "凌菁菁", "far"),
    ("cen", "岑晨晨", "far"),
    ("shen", "沈珊珊", "far"),
    ("rare1", "王䶮", "far"),
    ("rare1_long", "王䶮明", "viewer"),
    ("rare1_other", "䶮王华", "viewer"),
    ("rare2", "李珺", "far"),
    ("rare2_long", "李珺涵", "viewer"),
    ("compound1", "欧阳", "far"),
    ("compound1_given", "王欧阳", "viewer"),
    ("compound2", "司马光明", "far"),
    ("compound2_given", "李司马", "viewer"),
    ("poly1", "曾国藩", "far"),
    ("poly2", "单田芳", "far"),
    ("poly3", "解晓东", "far"),
    ("poly4", "仇思远", "far"),
]


def env(args: argparse.Namespace) -> dict[str, str]:
    return {
        **os.environ,
        "DIRECTORY_CONFIG": "dev",
        "DIRECTORY_DATABASE_URL": args.database_url,
        "DIRECTORY_SEARCH_BACKEND": args.backend,
        "DIRECTORY_SEARCH_INDEX_DIR": str(OUT / f"index-{args.backend}-{args.label}"),
        "FLASK_APP": "wsgi",
        "PYTHONPATH": str(args.code),
    }


def flask(args: argparse.Namespace, *cmd: str) -> None:
    python = str(Path(args.code) / ".venv" / "bin" / "python")
    subprocess.run(
        [python, "-m", "flask", *cmd], cwd=args.code, env=env(args), check=True, capture_output=True
    )


def build_database(args: argparse.Namespace) -> None:
    """The demo world, built once per database (kept between runs)."""
    import sqlalchemy as sa

    engine = sa.create_engine(args.database_url.replace("+psycopg", "+psycopg", 1))
    try:
        with engine.connect() as conn:
            if sa.inspect(conn).has_table("person"):
                n = conn.scalar(sa.text("SELECT count(*) FROM person"))
                if n and n >= args.cadres:
                    return
    finally:
        engine.dispose()
    flask(args, "db", "upgrade")
    flask(args, "regions", "load")
    flask(args, "seed-demo", "--cadres", str(args.cadres))


def add_hard_cases(db: Any) -> dict[str, Any]:
    """The constructed people (once per database); returns key → Person."""
    from sqlalchemy import func, select

    from directory.orgs.models import Organisation
    from directory.people.models import Person, Position, PositionStatus
    from directory.people.services import pinyin_of
    from directory.regions.models import Region

    viewer = _viewer(db)
    home = viewer.current_positions[0].organisation
    parent = home.parent
    child = db.session.scalar(select(Organisation).where(Organisation.parent_id == home.id))
    county = db.session.scalar(
        select(Organisation)
        .join(Organisation.region)
        .where(
            Organisation.id.not_in([home.id, parent.id if parent else 0]),
            Organisation.parent_id != home.id,
            func.substr(Region.code, 1, 6) == home.region.code[:6],
        )
        .limit(1)
    )
    far = db.session.scalar(
        select(Organisation)
        .join(Organisation.region)
        .where(func.substr(Region.code, 1, 4) != home.region.code[:4])
        .order_by(Organisation.id)
        .limit(1)
    )
    places = {"viewer": home, "parent": parent, "child": child, "county": county, "far": far}
    people: dict[str, Any] = {}
    for key, name, where in HARD:
        email = f"hard-{key}@bench.invalid"
        person = db.session.scalar(select(Person).where(Person.email == email))
        if person is None:
            org = places[where] or far
            person = Person(name=name, name_pinyin=pinyin_of(name), email=email)
            db.session.add(person)
            db.session.flush()
            db.session.add(Position(person=person, organisation=org, title="委员", start_date=CUR))
        # Entered by an admin: a confirmed post (a claim would not place them anywhere).
        for position in person.positions:
            position.status = PositionStatus.CONFIRMED
        people[key] = person
    db.session.commit()
    return people


def _viewer(db: Any) -> Any:
    """A cadre of a county committee with a parent, children and a past post (fixed)."""
    from sqlalchemy import select

    from directory.core.enums import OrgLevel
    from directory.orgs.models import Organisation
    from directory.people.models import Person, Position

    return db.session.scalar(
        select(Person)
        .join(Position, Position.person_id == Person.id)
        .join(Organisation, Organisation.id == Position.organisation_id)
        .where(
            Position.end_date.is_(None),
            Organisation.level == OrgLevel.COUNTY,
            Person.is_active_account.is_(True),
            Person.email.not_like("hard-%"),
        )
        .order_by(Person.id)
        .limit(1)
    )


def make_queries(db: Any, hard: dict[str, Any]) -> list[dict[str, Any]]:
    """The labelled query set, drawn from the world with a fixed seed."""
    from sqlalchemy import select

    from directory.orgs.models import Organisation
    from directory.people.models import Person, Position

    rng = random.Random(11)
    viewer = _viewer(db)
    rows = db.session.execute(
        select(Person.email, Person.name, Person.name_pinyin)
        .where(Person.is_active_account.is_(True))
        .order_by(Person.id)
    ).all()
    by_name: dict[str, list[str]] = defaultdict(list)
    by_pinyin: dict[str, list[str]] = defaultdict(list)
    by_initials: dict[str, list[str]] = defaultdict(list)
    syllables: dict[str, list[str]] = {}
    for r in rows:
        by_name[r.name].append(r.email)
        by_pinyin[r.name_pinyin].append(r.email)
    demo = [r for r in rows if not r.email.startswith("hard-") and "·" not in r.name]
    for r in demo:
        syl = _syllables(r.name, r.name_pinyin)
        if syl:
            syllables[r.email] = syl
            by_initials["".join(s[0] for s in syl)].append(r.email)
    by_fold: dict[str, list[str]] = defaultdict(list)
    for r in rows:
        by_fold[fold(r.name_pinyin)].append(r.email)
    out: list[dict[str, Any]] = []

    def add(kind: str, q: str, relevant: list[str], who: Any = None) -> None:
        who = who or viewer
        out.append({"kind": kind, "q": q, "viewer": who.email, "relevant": sorted(relevant)})

    picks = rng.sample(demo, 60)
    for r in picks[:40]:
        add("full name", r.name, by_name[r.name])
    for r in picks[40:60]:
        add("full pinyin", r.name_pinyin, by_pinyin[r.name_pinyin])
    simple = [r for r in rng.sample(demo, 200) if r.email in syllables]
    for r in simple[:20]:
        ini = "".join(s[0] for s in syllables[r.email])
        add("initials", ini, by_initials[ini])
    three = [r for r in rng.sample(demo, 400) if len(r.name) == 3 and r.name[:2] not in by_name]
    for r in three[:12]:
        add("name prefix", r.name[:2], [x.email for x in rows if x.name.startswith(r.name[:2])])
    givens = [r for r in rng.sample(demo, 400) if len(r.name) == 3]
    for r in givens[:12]:
        given = r.name[1:]
        add("given name", given, [x.email for x in rows if x.name[1:] == given])
    for surname in ("王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"):
        add("common surname", surname, [x.email for x in rows if x.name.startswith(surname)])
    for surname in ("欧阳", "司马", "诸葛", "上官", "令狐"):
        relevant = [x.email for x in rows if x.name.startswith(surname) and len(x.name) > 2]
        relevant += [x.email for x in rows if x.name == surname]
        if relevant:
            add("compound surname", surname, relevant)
    add("compound surname", "欧阳", [hard["compound1"].email])
    add("compound surname", "司马光明", [hard["compound2"].email])
    add("compound surname", "simaguangming", [hard["compound2"].email])
    for key, py in (
        ("poly1", "zengguofan"),
        ("poly2", "shantianfang"),
        ("poly3", "xiexiaodong"),
        ("poly4", "qiusiyuan"),
    ):
        add("polyphonic surname", py, [hard[key].email])
        add("polyphonic surname", hard[key].name, [hard[key].email])
    for surname in "曾单解仇查区朴盖":
        holders = [x for x in demo if x.name.startswith(surname) and len(x.name) == 3]
        for x in holders[:1]:
            add("polyphonic surname", x.name_pinyin, by_pinyin[x.name_pinyin])
    rare_chars = set("堃喆翀犇焱垚昇䶮珺玥婕晗昕淼禤亓乜邝")
    rare = [r for r in demo if rare_chars & set(r.name)]
    for r in rng.sample(rare, min(10, len(rare))):
        add("rare character", r.name, by_name[r.name])
    add("rare character", "王䶮", by_name["王䶮"])
    add("rare character", "李珺", by_name["李珺"])
    trad = {
        "张": "張",
        "刘": "劉",
        "陈": "陳",
        "杨": "楊",
        "黄": "黃",
        "赵": "趙",
        "吴": "吳",
        "郑": "鄭",
    }
    for r in [r for r in rng.sample(demo, 300) if r.name[0] in trad][:12]:
        add("traditional input", trad[r.name[0]] + r.name[1:], by_name[r.name])
    dotted = {
        "dot1": ["阿依古丽", "阿依古丽·买买提", "阿依古丽买买提", "ayiguli", "ayiguli maimaiti"],
        "dot2": ["吐尔逊", "买买提·吐尔逊", "tuerxun"],
        "dot3": ["多吉", "次仁", "次仁多吉", "次仁·多吉", "cirenduoji"],
        "dot4": ["顿珠", "扎西", "扎西顿珠", "dunzhu"],
        "dot5": ["艾力", "古丽艾力"],
        "dot6": ["艾合买提", "努尔艾合买提"],
    }
    parts = {k: _parts(p.name) for k, p in hard.items() if k.startswith("dot")}
    for key, queries in dotted.items():
        for q in queries:
            han = _parts(q)
            if len(han) == 1 and han[0] in parts[key]:
                # A part: every dotted name with that part is meant.
                add("dotted name", q, [hard[k].email for k, ps in parts.items() if han[0] in ps])
            else:
                add("dotted name", q, [hard[key].email])
    add("dotted name", "买买提", [hard[k].email for k in ("dot1", "dot2", "dot7")])
    add("dotted name", "maimaiti", [hard[k].email for k in ("dot1", "dot2", "dot7")])
    for name in ("wangwei", "liujing", "zhangmin", "chenjie", "lihua", "yangfan"):
        near = hard[f"near_{name}"]
        add("same name, viewer proximity", near.name, [near.email])
        add("same name, viewer proximity", near.name_pinyin, [near.email])
    # Fuzzy: the reading with one fuzzy pair swapped; only when nobody has it exactly.
    for _key, q in (
        ("zang", "zhangtongtong"),
        ("zhan", "zansisi"),
        ("nie", "lielanlan"),
        ("lin", "linjingjing"),
        ("ling", "linjingjing"),
        ("cen", "chenchenchen"),
        ("shen", "senshanshan"),
    ):
        if q not in by_pinyin:
            add("fuzzy pinyin", q, by_fold[fold(q)])
    for r in [r for r in rng.sample(demo, 300) if len(r.name_pinyin) >= 6][:40]:
        q = _fuzzy_variant(r.name_pinyin, rng)
        if q and q not in by_pinyin and sum(o["kind"] == "fuzzy pinyin" for o in out) < 16:
            # Every reading the fuzzy rules equate with the query is meant.
            add("fuzzy pinyin", q, by_fold[fold(q)])
    for r in [r for r in rng.sample(demo, 300) if len(r.name_pinyin) >= 6][:60]:
        q = _typo(r.name_pinyin, rng)
        if q not in by_pinyin and sum(o["kind"] == "mistyped pinyin" for o in out) < 16:
            add("mistyped pinyin", q, by_pinyin[r.name_pinyin])
    orgs = db.session.execute(
        select(Organisation.name, Person.email)
        .join(Position, Position.organisation_id == Organisation.id)
        .join(Person, Person.id == Position.person_id)
        .where(Position.end_date.is_(None), Person.is_active_account.is_(True))
    ).all()
    members: dict[str, list[str]] = defaultdict(list)
    for name, email in orgs:
        members[name].append(email)
    unique = [n for n, m in members.items() if len(m) >= 2]
    for name in rng.sample(sorted(unique), min(10, len(unique))):
        add("organisation", name, members[name])
    return out


def _parts(name: str) -> list[str]:
    return [p for p in re.split(r"[·•・．.\s]+", name) if p]


def _syllables(name: str, pinyin: str) -> list[str] | None:
    """The name's syllables consistent with its stored pinyin (surname readings included)."""
    from pypinyin import Style, lazy_pinyin

    syl = lazy_pinyin(name, style=Style.NORMAL)
    if "".join(syl) == pinyin:
        return syl
    rest = "".join(syl[1:])
    if len(syl) > 1 and pinyin.endswith(rest):
        return [pinyin[: len(pinyin) - len(rest)], *syl[1:]]
    return None


def fold(py: str) -> str:
    """Fuzzy pinyin key (the bench's own copy of the rules, independent of the code)."""
    for a, b in (("zh", "z"), ("ch", "c"), ("sh", "s"), ("ng", "n"), ("l", "n")):
        py = py.replace(a, b)
    return py


_FUZZY = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("ang", "an"), ("eng", "en"), ("ing", "in"))


def _fuzzy_variant(py: str, rng: random.Random) -> str | None:
    pairs = [(a, b) for a, b in _FUZZY if a in py] + [
        (b, a) for a, b in _FUZZY if b in py and a not in py
    ]
    if not pairs:
        return None
    a, b = rng.choice(pairs)
    return py.replace(a, b, 1)


def _typo(py: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(py) - 1)
    kind = rng.choice(("sub", "del", "ins", "swap"))
    letter = rng.choice("abcdefghijklmnopqrstuwxyz")
    if kind == "sub":
        return py[:i] + (letter if letter != py[i] else "q") + py[i + 1 :]
    if kind == "del":
        return py[:i] + py[i + 1 :]
    if kind == "ins":
        return py[:i] + letter + py[i:]
    return py[: i - 1] + py[i] + py[i - 1] + py[i + 1 :]


def evaluate(app: Any, queries: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per kind: precision@1, MRR, recall@10, query count, p95 service time (ms)."""
    from sqlalchemy import select

    from directory.extensions import db
    from directory.people.models import Person
    from directory.search import service

    emails = dict(db.session.execute(select(Person.id, Person.email)).all())
    viewers: dict[str, Any] = {}
    per_kind: dict[str, list[tuple[float, float, float, float]]] = defaultdict(list)
    for item in queries:
        viewer = viewers.get(item["viewer"])
        if viewer is None:
            viewer = viewers[item["viewer"]] = db.session.scalar(
                select(Person).where(Person.email == item["viewer"])
            )
        t = time.perf_counter()
        page = service.search_people(viewer, service.Params(q=item["q"]), per_page=10)
        took = time.perf_counter() - t
        got = [emails[h.person.id] for h in page.hits]
        relevant = set(item["relevant"])
        first = next((i for i, e in enumerate(got) if e in relevant), None)
        p1 = 1.0 if got and got[0] in relevant else 0.0
        rr = 0.0 if first is None else 1.0 / (first + 1)
        recall = len(relevant & set(got)) / min(len(relevant), 10)
        per_kind[item["kind"]].append((p1, rr, recall, took))
        item.setdefault("_got", {})[app.config["SEARCH_BACKEND"]] = got[:3]
    out: dict[str, dict[str, float]] = {}
    for kind, vals in per_kind.items():
        out[kind] = _summary(vals)
    names = [v for k, vals in per_kind.items() if k in NAME_KINDS for v in vals]
    every = [v for vals in per_kind.values() for v in vals]
    out["all name queries"] = _summary(names)
    out["all queries"] = _summary(every)
    return out


def _summary(vals: list[tuple[float, float, float, float]]) -> dict[str, float]:
    n = len(vals)
    times = sorted(v[3] for v in vals)
    return {
        "n": n,
        "p@1": sum(v[0] for v in vals) / n,
        "mrr": sum(v[1] for v in vals) / n,
        "r@10": sum(v[2] for v in vals) / n,
        "p95": times[min(n - 1, round(0.95 * (n - 1)))] * 1000,
    }


def table(results: dict[str, dict[str, float]]) -> str:
    lines = [
        "| query kind | queries | precision@1 | MRR | recall@10 | service p95 (ms) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    order = [*NAME_KINDS, *OTHER_KINDS, "all name queries", "all queries"]
    for kind in order:
        if kind not in results:
            continue
        r = results[kind]
        bold = "**" if kind.startswith("all") else ""
        lines.append(
            f"| {bold}{kind}{bold} | {r['n']:.0f} | {r['p@1']:.2f} | {r['mrr']:.2f} | "
            f"{r['r@10']:.2f} | {r['p95']:.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="whoosh", choices=("whoosh", "postgres"))
    parser.add_argument("--database-url", default="")
    parser.add_argument("--cadres", type=int, default=3000)
    parser.add_argument("--code", default=str(BENCH.parent))
    parser.add_argument("--label", default="after")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--results", default=str(OUT / "results.json"))
    parser.add_argument(
        "--report-only", action="store_true", help="write the section from stored results"
    )
    args = parser.parse_args()
    if args.report_only:
        sys.path.insert(0, str(BENCH.parent))
        from bench._report import write_section

        stored = json.loads(Path(args.results).read_text())
        count = len(json.loads(QUERIES.read_text(encoding="utf-8")))
        write_section("search-relevance", report(stored, count))
        return
    args.code = str(Path(args.code).resolve())
    OUT.mkdir(parents=True, exist_ok=True)
    if not args.database_url:
        args.database_url = f"sqlite:///{OUT / f'demo-{args.cadres}.sqlite'}"
    sys.path.insert(0, args.code)
    build_database(args)

    from directory import create_app
    from directory.extensions import db
    from directory.search import sync

    index_dir = tempfile.mkdtemp(prefix="relevance-", dir=OUT)
    app = create_app(
        {
            "ENV_NAME": "dev",
            "SQLALCHEMY_DATABASE_URI": args.database_url,
            "SEARCH_BACKEND": args.backend,
            "SEARCH_INDEX_DIR": index_dir,
        }
    )
    with app.test_request_context():
        hard = add_hard_cases(db)
        t = time.perf_counter()
        sync.reindex()
        print(f"reindex {time.perf_counter() - t:.1f} s", file=sys.stderr)
        if QUERIES.exists():
            queries = json.loads(QUERIES.read_text(encoding="utf-8"))
        else:
            queries = make_queries(db, hard)
            QUERIES.write_text(
                json.dumps(queries, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
            )
        # Warm-up (jieba, caches), then the measured pass.
        evaluate(app, queries[:20])
        results = evaluate(app, queries)
    print(table(results))
    path = Path(args.results)
    stored = json.loads(path.read_text()) if path.exists() else {}
    stored[f"{args.backend}/{args.label}"] = results
    path.write_text(json.dumps(stored, ensure_ascii=False, indent=1))
    for q in queries:
        got = q.get("_got", {}).get(args.backend) or [""]
        if got[0] not in q["relevant"]:
            print("miss:", q["kind"], q["q"], got, file=sys.stderr)
    if not args.no_write:
        sys.path.insert(0, str(BENCH.parent))
        from bench._report import write_section

        write_section("search-relevance", report(stored, len(queries)))


def report(stored: dict[str, Any], count: int) -> str:
    """The PERFORMANCE.md section: per backend, each kind before and after."""
    parts = [
        "## Search relevance\n",
        f"`bench/search_relevance.py`: {count} labelled queries (`bench/search_relevance.json`) "
        "over the demo world (`seed-demo --cadres 3000`) plus constructed hard cases "
        "(dotted names, same names near and far from the viewer, look-alike pinyin, rare "
        "characters, compound and polyphonic surnames). Each query is asked as a fixed viewer "
        "(a county committee cadre); *relevant* is every person the query means (all holders "
        "of a name or a reading; for a fuzzy reading everyone it folds to; for proximity "
        "queries only the one near the viewer). P@1: the first result is relevant; MRR: mean "
        "of 1/rank of the first relevant result (0 when not in the first 10); R@10: share of "
        "the relevant people (at most 10) in the first 10. *before* is main before issue 11, "
        "*after* this version, on the same database and queries. Targets (issue 11): P@1 ≥ "
        "0.95 on name queries, MRR ≥ 0.9 overall, R@10 = 1.0 on name queries.\n",
        "Cost (measured on 1,000 demo names, 2026-12-03): a person's document holds 26.2 "
        "exact name tokens instead of 5.2 (tier markers and the typo deletions) and 47.1 "
        "pinyin prefix terms instead of 18.8. At 100,000 cadres (PostgreSQL database, "
        "2026-12-03, load 6-11) the Whoosh index is 399 MB instead of 119 MB and `flask "
        "search reindex` took 404 s of CPU instead of 194 s (wall 1,243 s against 532 s, "
        'not at the same moment); latency at 100k: the "search-ranking-latency" section '
        "(`bench/search_compare.py`, both versions interleaved).\n",
    ]
    for backend in ("whoosh", "postgres"):
        before, after = stored.get(f"{backend}/before"), stored.get(f"{backend}/after")
        if not after:
            continue
        before = before or {}
        parts.append(
            f"### {backend}\n\n"
            "| query kind | queries | P@1 before | P@1 after | MRR before | MRR after "
            "| R@10 before | R@10 after |\n|---|---:|---:|---:|---:|---:|---:|---:|"
        )
        for kind in [*NAME_KINDS, *OTHER_KINDS, "all name queries", "all queries"]:
            if kind not in after:
                continue
            a, b = after[kind], before.get(kind, {})
            bold = "**" if kind.startswith("all") else ""

            def cell(r: dict[str, float], key: str) -> str:
                return f"{r[key]:.3f}" if r else "–"

            parts.append(
                f"| {bold}{kind}{bold} | {a['n']:.0f} | {cell(b, 'p@1')} | {bold}{cell(a, 'p@1')}{bold} "
                f"| {cell(b, 'mrr')} | {bold}{cell(a, 'mrr')}{bold} | {cell(b, 'r@10')} "
                f"| {bold}{cell(a, 'r@10')}{bold} |"
            )
        parts.append("")
    return "\n".join(parts)


if __name__ == "__main__":
    main()
