"""Keeping the statistics tally (stats/models.py) current, on every write path.

- ORM writes: `before_flush` reads the stored rows of the people about to change (from the
  database, so an expired attribute cannot hide an old value) and `after_flush` reads them
  again; the difference is added to the tally in the same transaction (a rollback, or a
  rolled-back savepoint, takes it away too).
- Bulk SQL that bypasses the ORM (imports): `snapshot(ids)` before, `people_changed(before,
  ids)` after, like `search.outbox.enqueue`.
- Wholesale writes (demo seed, benchmarks, the migration): `rebuild()`.
- An organisation given another parent through the ORM: its subtree's rows are taken off
  its old ancestors and added to its new ones in the same flush (`_moves`). No code path
  of the application moves organisations today; code that does must rewrite the `path` of
  the moved subtree in the same flush (the people listener reads chains from `path`), and
  a move by raw SQL must call `rebuild()`.

A person counts when their account is active and they have a membership organisation; they
count at that organisation (`own`) and at it and every ancestor (subtree totals). Rows are
written in key order, so concurrent writers lock them in the same order.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import Connection, case, delete, event, func, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from directory.extensions import db
from directory.orgs.models import Organisation
from directory.people.models import Person
from directory.stats.models import CadreTally, OrgTally

PROFILE_FIELDS = (
    "phone",
    "gender",
    "birth_year",
    "political_status",
    "cadre_kind",
    "establishment",
)
_WATCHED = (
    "membership_org_id",
    "membership_org",
    "is_active_account",
    *PROFILE_FIELDS,
)
_CHUNK = 500
_INFO = "stats_tally_before"
_MOVES = "stats_tally_moves"

Bucket = tuple[int, str, str, str]
Entry = tuple[int, Bucket, int]  # (membership org id, bucket, profile fields filled)

_COLUMNS = (
    Person.id,
    Person.membership_org_id,
    Person.is_active_account,
    Person.birth_year,
    Person.cadre_kind,
    Person.establishment,
    Person.political_status,
    Person.phone,
    Person.gender,
)


def _value(member: Any) -> str:
    return "" if member is None else str(getattr(member, "value", member))


def _entry(row: Any) -> Entry | None:
    if not row.is_active_account or row.membership_org_id is None:
        return None
    bucket = (
        row.birth_year or 0,
        _value(row.cadre_kind),
        _value(row.establishment),
        _value(row.political_status),
    )
    filled = sum(getattr(row, f) is not None for f in PROFILE_FIELDS)
    return row.membership_org_id, bucket, filled


def _connection(conn: Connection | None) -> Connection:
    return conn if conn is not None else db.session.connection()


def snapshot(ids: Iterable[int], conn: Connection | None = None) -> dict[int, Entry | None]:
    """What the tally holds for these people now (None: not counted)."""
    conn = _connection(conn)
    ordered = sorted(set(ids))
    found: dict[int, Entry | None] = dict.fromkeys(ordered)
    for i in range(0, len(ordered), _CHUNK):
        stmt = select(*_COLUMNS).where(Person.id.in_(ordered[i : i + _CHUNK]))
        for row in conn.execute(stmt):
            found[row.id] = _entry(row)
    return found


def people_changed(
    before: dict[int, Entry | None], ids: Iterable[int], conn: Connection | None = None
) -> None:
    """Add the difference between `before` and the stored rows of `ids` (and of `before`'s
    people, which may have been deleted) to the tally."""
    conn = _connection(conn)
    after = snapshot(set(ids) | set(before), conn)
    _apply(conn, [(before.get(pid), new) for pid, new in after.items()])


def _ancestors(conn: Connection, org_ids: set[int]) -> dict[int, list[int]]:
    """Each organisation's chain from the root down to itself (from `path`, else parents)."""
    chains: dict[int, list[int]] = {}
    parents: dict[int, int | None] = {}
    ordered = sorted(org_ids)
    for i in range(0, len(ordered), _CHUNK):
        stmt = select(Organisation.id, Organisation.path, Organisation.parent_id).where(
            Organisation.id.in_(ordered[i : i + _CHUNK])
        )
        for oid, path, parent_id in conn.execute(stmt):
            chain = [int(p) for p in (path or "").strip("/").split("/") if p]
            if chain and chain[-1] == oid:
                chains[oid] = chain
            else:  # path not written yet (an organisation made in this same flush)
                parents[oid] = parent_id
    for oid in parents:
        chain, current = [oid], parents[oid]
        while current is not None:
            chain.append(current)
            current = conn.scalar(select(Organisation.parent_id).where(Organisation.id == current))
        chains[oid] = chain[::-1]
    return chains


Item = tuple[int, Bucket, int, int]  # (membership org id, bucket, people, filled fields)


def _apply(conn: Connection, changes: Sequence[tuple[Entry | None, Entry | None]]) -> None:
    items: list[Item] = []
    for old, new in changes:
        if old == new:
            continue
        if old is not None:
            items.append((old[0], old[1], -1, -old[2]))
        if new is not None:
            items.append((new[0], new[1], 1, new[2]))
    _add(conn, items)


def _add(conn: Connection, items: list[Item]) -> None:
    """Add people (and their filled fields) to their organisation and every ancestor."""
    if not items:
        return
    chains = _ancestors(conn, {item[0] for item in items})
    buckets: Counter[tuple[int, Bucket]] = Counter()
    totals: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])  # own, people, filled
    for org_id, bucket, people, filled in items:
        totals[org_id][0] += people
        for ancestor in chains.get(org_id, [org_id]):
            buckets[(ancestor, bucket)] += people
            total = totals[ancestor]
            total[1] += people
            total[2] += filled
    _write(
        conn,
        [
            {"org_id": o, "birth_year": b[0], "cadre_kind": b[1], "establishment": b[2],
             "political_status": b[3], "people": n}
            for (o, b), n in sorted(buckets.items()) if n
        ],
        [
            {"org_id": o, "own": t[0], "people": t[1], "filled": t[2]}
            for o, t in sorted(totals.items()) if any(t)
        ],
    )  # fmt: skip


def _write(conn: Connection, buckets: list[dict], totals: list[dict]) -> None:
    """Add the counts to the stored ones (INSERT ... ON CONFLICT DO UPDATE, both databases)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    for model, rows, counted in (
        (CadreTally, buckets, ("people",)),
        (OrgTally, totals, ("own", "people", "filled")),
    ):
        if not rows:
            continue
        table = model.__table__
        stmt = dialect.insert(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=[c.name for c in table.primary_key.columns],
            set_={c: table.c[c] + stmt.excluded[c] for c in counted},
        )
        for i in range(0, len(rows), _CHUNK * 10):
            conn.execute(stmt, rows[i : i + _CHUNK * 10])


def rebuild(conn: Connection | None = None) -> int:
    """Recompute the whole tally from the people (returns the number of people counted)."""
    conn = _connection(conn)
    conn.execute(delete(CadreTally))
    conn.execute(delete(OrgTally))
    filled = sum(case((getattr(Person, f).is_not(None), 1), else_=0) for f in PROFILE_FIELDS)
    keys = (
        Person.membership_org_id,
        Person.birth_year,
        Person.cadre_kind,
        Person.establishment,
        Person.political_status,
    )
    stmt = (
        select(*keys, func.count(), func.sum(filled))
        .where(Person.is_active_account, Person.membership_org_id.is_not(None))
        .group_by(*keys)
    )
    items: list[Item] = [
        (org_id, (born or 0, _value(kind), _value(est), _value(pol)), int(n), int(f or 0))
        for org_id, born, kind, est, pol, n, f in conn.execute(stmt)
    ]
    _add(conn, items)
    return sum(item[2] for item in items)


# Organisation moves ----------------------------------------------------------------------


def _parents(conn: Connection, org_ids: Sequence[int]) -> dict[int, int | None]:
    stmt = select(Organisation.id, Organisation.parent_id).where(Organisation.id.in_(org_ids))
    return {oid: parent for oid, parent in conn.execute(stmt)}


def _chain(conn: Connection, org_id: int | None) -> list[int]:
    return [] if org_id is None else _ancestors(conn, {org_id}).get(org_id, [org_id])


def org_moved(
    org_id: int, old_parent: int | None, new_parent: int | None, conn: Connection
) -> None:
    """Take the subtree of `org_id` off its old ancestors and add it to its new ones (the
    subtree's own rows and every organisation inside it are unchanged by a move)."""
    old, new = _chain(conn, old_parent), _chain(conn, new_parent)
    if old == new:
        return
    keep = set(old) & set(new)
    signed = [(o, -1) for o in old if o not in keep] + [(o, 1) for o in new if o not in keep]
    buckets = [
        (b[0], b[1], b[2], b[3], b[4])
        for b in conn.execute(
            select(
                CadreTally.birth_year, CadreTally.cadre_kind, CadreTally.establishment,
                CadreTally.political_status, CadreTally.people,
            ).where(CadreTally.org_id == org_id, CadreTally.people != 0)
        )
    ]  # fmt: skip
    total = conn.execute(
        select(OrgTally.people, OrgTally.filled).where(OrgTally.org_id == org_id)
    ).first()
    _write(
        conn,
        sorted(
            ({"org_id": o, "birth_year": born, "cadre_kind": kind, "establishment": est,
              "political_status": pol, "people": sign * n}
             for o, sign in signed for born, kind, est, pol, n in buckets),
            key=lambda r: (r["org_id"], r["birth_year"], r["cadre_kind"], r["establishment"],
                           r["political_status"]),
        ),
        [
            {"org_id": o, "own": 0, "people": sign * total[0], "filled": sign * total[1]}
            for o, sign in sorted(signed)
        ] if total and any(total) else [],
    )  # fmt: skip


def _moving(session: Session) -> list[int]:
    """Stored organisations whose parent is being changed in this flush."""
    ids = []
    for obj in session.dirty:
        if isinstance(obj, Organisation) and obj.id is not None:
            attrs: Any = inspect(obj).attrs
            if attrs.parent_id.history.has_changes() or attrs.parent.history.has_changes():
                ids.append(obj.id)
    return sorted(ids)


# ORM writes ------------------------------------------------------------------------------


def _watched(obj: Person) -> bool:
    attrs: Any = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in _WATCHED)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    ids = [
        p.id
        for p in (*session.dirty, *session.deleted)
        if isinstance(p, Person) and p.id is not None and (p in session.deleted or _watched(p))
    ]
    news = any(isinstance(p, Person) for p in session.new)
    session.info[_INFO] = (snapshot(ids, session.connection()) if ids else {}, news)
    moving = _moving(session)
    session.info[_MOVES] = _parents(session.connection(), moving) if moving else {}


def _after_flush(session: Session, _context: Any) -> None:
    moves: dict[int, int | None] = session.info.pop(_MOVES, {})
    if moves:
        conn = session.connection()
        for org_id, new_parent in sorted(_parents(conn, list(moves)).items()):
            if new_parent != moves[org_id]:
                org_moved(org_id, moves[org_id], new_parent, conn)
    before, news = session.info.pop(_INFO, ({}, False))
    ids = [p.id for p in session.new if isinstance(p, Person)] if news else []
    if before or ids:
        people_changed(before, ids, session.connection())


def install_listeners() -> None:
    """Listen on Flask-SQLAlchemy sessions (idempotent)."""
    for name, fn in (("before_flush", _before_flush), ("after_flush", _after_flush)):
        if not event.contains(FlaskSession, name, fn):
            event.listen(FlaskSession, name, fn)
