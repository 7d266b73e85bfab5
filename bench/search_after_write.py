"""The first search after a write, on the PostgreSQL backend (issue 13).

    .venv/bin/python bench/search_after_write.py --database-url URL [--rounds 15]

On a database seeded beforehand (flask db upgrade, regions load, seed-demo --cadres N,
flask search reindex). Each round times one warm search, then the first search after one
profile edit, after five (each its own write: within the history, the bitsets are
patched), after more edits than the history holds (the rank order is kept, the posting
lists read again), and after a new person (inserted in the rank order, the bitsets
patched), alternating in one process so all see the same load. (The data is left as it
was but for the edited bios; removing the added people makes the next process read the
order again.) Prints the medians and writes the "search-after-write" section of
docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._report import machine, write_section

ARGS = {"q": "委员", "region": "51"}  # a name and a region filter: facets over the province


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()

    from sqlalchemy import func, select

    from directory import create_app
    from directory.extensions import db
    from directory.people.models import Person
    from directory.search import service, sync
    from directory.search.pg_bits import PATCH_KEYS, TableBits

    app = create_app(
        {
            "ENV_NAME": "dev",
            "SQLALCHEMY_DATABASE_URI": args.database_url,
            "SEARCH_BACKEND": "postgres",
            "SEARCH_AUTO_DRAIN": False,
        }
    )
    patches: list[bool] = []  # each call of TableBits.patched: did it patch?
    patch = TableBits.patched

    def counted(self: TableBits, *args: object) -> TableBits | None:
        out = patch(self, *args)  # type: ignore[arg-type]
        patches.append(out is not None)
        return out

    TableBits.patched = counted  # type: ignore[method-assign]

    edits = {
        "after an edit": 1,
        "after five edits": 5,
        f"after {PATCH_KEYS + 1} edits": PATCH_KEYS + 1,
    }
    times: dict[str, list[float]] = {"warm": [], **{name: [] for name in edits}}
    times["after a new person"] = []
    patched = dict.fromkeys([*edits, "after a new person"], 0)
    with app.test_request_context():
        viewer = db.session.scalar(select(Person).where(Person.is_admin).limit(1))
        size = db.session.scalar(select(func.count(Person.id)))
        per_round = sum(edits.values())
        people = iter(
            db.session.scalars(select(Person).order_by(Person.id).limit(per_round * args.rounds))
        )

        def search() -> float:
            db.session.rollback()  # a new transaction, as a request's
            t = time.perf_counter()
            service.search_people(viewer, service.parse(ARGS), per_page=20)
            return time.perf_counter() - t

        search()
        added: list[Person] = []
        for i in range(args.rounds):
            times["warm"].append(search())
            for name, count in edits.items():
                patches.clear()
                for _ in range(count):  # each edit its own write
                    person = next(people)
                    person.bio = f"{person.bio or ''} 第{i}次修改"[-200:]
                    db.session.commit()
                    sync.drain()
                times[name].append(search())
                patched[name] += patches == [True]
            new = Person(name=f"测试{i:03d}", email=f"after-write-{i}@bench.invalid")
            db.session.add(new)
            db.session.commit()
            added.append(new)
            sync.drain()
            patches.clear()
            times["after a new person"].append(search())
            patched["after a new person"] += patches == [True]
        for person in added:  # leave the data as it was (but the edited bios)
            db.session.delete(person)
        db.session.commit()
        sync.drain()

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:.1f} ms"

    base = statistics.median(times["warm"])
    rows = [
        f"| {name} | {ms(v)} | {statistics.median(v) / base:.2f} |" for name, v in times.items()
    ]
    text = "\n".join(
        [
            "### The first search after a write (PostgreSQL backend)",
            "",
            machine(),
            "",
            f"{size:,} people; the query {ARGS} as the admin; {args.rounds} rounds, each a "
            "warm search, then the first search after profile edits (bios, each edit its "
            f"own write; the history holds {PATCH_KEYS} keys) and after a new person, "
            "alternating (load "
            f"{os.getloadavg()[0]:.1f} at the end). Bitsets patched: "
            + ", ".join(f"{name} {n} of {args.rounds}" for name, n in patched.items())
            + ".",
            "",
            "| search | median | ÷ warm |",
            "|---|---|---|",
            *rows,
        ]
    )
    print(text)
    if not args.no_write:
        write_section("search-after-write", text)


if __name__ == "__main__":
    main()
