"""Applying an import plan: all rows or none, in the caller's unit of work (the job's).

New organisations go through the ORM (few, and each needs its id for its path). People and
positions are written set-based: one multi-row INSERT per chunk of new people and of new
positions, one executemany UPDATE by primary key for changed people and ended positions.
Those statements bypass the ORM's flush events, so the search outbox and the statistics
tally are told explicitly (as every bulk write must: `search.outbox.enqueue`,
`stats.tally.people_changed`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import insert, update

from directory import audit
from directory.core import time as clock
from directory.core.enums import PositionStatus
from directory.core.errors import ValidationError
from directory.core.memory import gc_paused
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.people.models import Person, Position
from directory.people.services import pinyin_of
from directory.rosters.planning import PROFILE_FIELDS, NewOrg, Plan, RowPlan
from directory.search import outbox
from directory.stats import tally

Progress = Callable[[int, int], None]
CHUNK = 1000


@gc_paused()
def apply_plan(actor: Person, plan: Plan, progress: Progress | None = None) -> dict[str, int]:
    """Write every row of a plan without errors; refuse the whole plan if any row has one.

    Runs inside the caller's unit of work: an exception anywhere rolls everything back.
    """
    if not plan.ok:
        raise ValidationError(_("文件中还有问题，请修改后重新上传。"), field="file")
    total = len(plan.rows)
    counts = {"people_created": 0, "people_updated": 0, "orgs_created": 0, "positions": 0}
    created = _apply_orgs(plan, counts)

    def resolve(org: Organisation | NewOrg | None) -> Organisation | None:
        if org is None or isinstance(org, Organisation):
            return org
        return created[id(org)]

    people = [r for r in plan.rows if r.kind == "person" and r.action in ("create", "update")]
    done = total - len(people)
    report = progress or (lambda _done, _total: None)
    report(done, total)
    updates = [r for r in people if r.data["person"] is not None]
    before = tally.snapshot([r.data["person"].id for r in updates])
    ids: dict[str, int] = {}  # e-mail -> person id, for the positions
    for i in range(0, len(updates), CHUNK):
        chunk = updates[i : i + CHUNK]
        _update_people(chunk, resolve, ids)
        counts["people_updated"] += len(chunk)
        done += len(chunk)
        report(done, total)
    news = [r for r in people if r.data["person"] is None]
    for i in range(0, len(news), CHUNK):
        chunk = news[i : i + CHUNK]
        _create_people(chunk, resolve, ids)
        counts["people_created"] += len(chunk)
        done += len(chunk)
        report(done, total)
    counts["positions"] = _apply_positions(actor, people, resolve, ids)
    touched = sorted(ids.values())
    outbox.enqueue(db.session(), "person", "person", touched)
    tally.people_changed(before, touched)
    for row in updates:
        db.session.expire(row.data["person"])  # written behind the ORM's back
    audit.record("roster.import", actor=actor, details={**counts, "rows": total})
    report(total, total)
    return counts


def _apply_orgs(plan: Plan, counts: dict[str, int]) -> dict[int, Organisation]:
    """New and changed organisations, through the ORM, in file order (parents first)."""
    created: dict[int, Organisation] = {}  # id(NewOrg) -> the organisation made for it
    for row in plan.rows:
        if row.kind != "org":
            continue
        if row.action == "create":
            new: NewOrg = row.data["new"]
            parent = new.parent if isinstance(new.parent, Organisation) else created[id(new.parent)]
            org = Organisation(
                name=new.name, level=new.level, sector=new.sector, region=new.region, parent=parent
            )
            db.session.add(org)
            db.session.flush()
            org.path = f"{parent.path}{org.id}/"
            created[id(new)] = org
            counts["orgs_created"] += 1
        elif row.action == "update":
            org = row.data["org"]
            org.region = row.data["region"]
            if row.data["sector"] is not None:
                org.sector = row.data["sector"]
    db.session.flush()
    return created


def _create_people(
    rows: list[RowPlan], resolve: Callable[[Any], Organisation | None], ids: dict[str, int]
) -> None:
    values = []
    for row in rows:
        fields = row.data["fields"]
        membership = resolve(fields["membership_org"])
        values.append(
            {
                "email": row.data["email"],
                "name": fields["name"],
                "name_pinyin": pinyin_of(fields["name"]),
                "membership_org_id": membership.id if membership is not None else None,
                **{
                    k: fields[k] if fields[k] != "" else None for k in PROFILE_FIELDS if k != "name"
                },
            }
        )
    result = db.session.execute(insert(Person).returning(Person.id, Person.email), values)
    ids.update({email: pid for pid, email in result})


def _update_people(
    rows: list[RowPlan], resolve: Callable[[Any], Organisation | None], ids: dict[str, int]
) -> None:
    """Only the values that differ (a blank cell never clears a stored value)."""
    values = []
    for row in rows:
        person: Person = row.data["person"]
        fields = row.data["fields"]
        ids[row.data["email"]] = person.id
        change: dict[str, Any] = {}
        membership = resolve(fields["membership_org"])
        if membership is not None and person.membership_org_id != membership.id:
            change["membership_org_id"] = membership.id  # a system admin's correction (planned)
        for key in PROFILE_FIELDS:
            value = fields[key]
            if value is not None and value != "" and getattr(person, key) != value:
                change[key] = value
                if key == "name":
                    change["name_pinyin"] = pinyin_of(value)
        if change:
            values.append({"id": person.id, **change})
    # Rows with the same changed columns share one executemany (SQLAlchemy groups them).
    if values:
        db.session.execute(update(Person), values)


def _apply_positions(
    actor: Person,
    rows: list[RowPlan],
    resolve: Callable[[Any], Organisation | None],
    ids: dict[str, int],
) -> int:
    now: datetime = clock.now()
    note = _("由组织管理员导入")
    ended: list[dict[str, Any]] = []
    new: list[dict[str, Any]] = []
    for row in rows:
        post = row.data["post"]
        if post is None or post.get("same"):
            continue
        existing: Position | None = post.get("existing")
        if existing is not None:
            ended.append({"id": existing.id, "end_date": post["end"]})
            continue
        org = resolve(post["org"])
        assert org is not None
        new.append(
            {
                "person_id": ids[row.data["email"]],
                "organisation_id": org.id,
                "title": post["title"],
                "start_date": post["start"],
                "end_date": post["end"],
                # An admin's import is a confirmed fact, recorded and reviewed by that admin.
                "status": PositionStatus.CONFIRMED,
                "recorded_by_id": actor.id,
                "reviewed_by_id": actor.id,
                "reviewed_at": now,
                "review_note": note,
            }
        )
    if ended:
        db.session.execute(update(Position), ended)
        for row in rows:
            existing = (row.data["post"] or {}).get("existing")
            if existing is not None:
                db.session.expire(existing)  # written behind the ORM's back
    for i in range(0, len(new), CHUNK):
        db.session.execute(insert(Position), new[i : i + CHUNK])
    return len(new)
