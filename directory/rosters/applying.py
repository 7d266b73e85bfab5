"""Applying an import plan: all rows or none, in the caller's unit of work (the job's)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _

from directory import audit
from directory.core import time as clock
from directory.core.enums import PositionStatus
from directory.core.errors import ValidationError
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.people.models import Person, Position
from directory.people.services import pinyin_of
from directory.rosters.planning import NewOrg, Plan

Progress = Callable[[int, int], None]


def apply_plan(actor: Person, plan: Plan, progress: Progress | None = None) -> dict[str, int]:
    """Write every row of a plan without errors; refuse the whole plan if any row has one.

    Runs inside the caller's unit of work: an exception anywhere rolls everything back.
    """
    if not plan.ok:
        raise ValidationError(_("文件中还有问题，请修改后重新上传。"), field="file")
    created: dict[int, Organisation] = {}  # id(NewOrg) -> the organisation made for it
    total = len(plan.rows)
    now = clock.now()
    counts = {"people_created": 0, "people_updated": 0, "orgs_created": 0, "positions": 0}

    def resolve(org: Organisation | NewOrg | None) -> Organisation | None:
        if org is None or isinstance(org, Organisation):
            return org
        return created[id(org)]

    for done, row in enumerate(plan.rows, start=1):
        if row.kind == "org" and row.action == "create":
            new: NewOrg = row.data["new"]
            parent = resolve(new.parent)
            assert parent is not None
            org = Organisation(
                name=new.name, level=new.level, sector=new.sector, region=new.region, parent=parent
            )
            db.session.add(org)
            db.session.flush()
            org.path = f"{parent.path}{org.id}/"
            created[id(new)] = org
            counts["orgs_created"] += 1
        elif row.kind == "org" and row.action == "update":
            org = row.data["org"]
            org.region = row.data["region"]
            if row.data["sector"] is not None:
                org.sector = row.data["sector"]
        elif row.kind == "person" and row.action in ("create", "update"):
            _apply_person(actor, row.data, resolve, now, counts)
        if progress is not None and (done % 200 == 0 or done == total):
            progress(done, total)
    db.session.flush()
    audit.record("roster.import", actor=actor, details={**counts, "rows": total})
    return counts


def _apply_person(
    actor: Person,
    data: dict[str, Any],
    resolve: Callable[[Any], Organisation | None],
    now: Any,
    counts: dict[str, int],
) -> None:
    fields = dict(data["fields"])
    membership = resolve(fields.pop("membership_org"))
    person: Person | None = data["person"]
    if person is None:
        person = Person(
            email=data["email"],
            name=fields["name"],
            name_pinyin=pinyin_of(fields["name"]),
            membership_org=membership,
        )
        db.session.add(person)
        counts["people_created"] += 1
    else:
        counts["people_updated"] += 1
        if membership is not None and person.membership_org_id != membership.id:
            person.membership_org = membership  # a system admin's correction (planned)
    for key, value in fields.items():
        if value is not None and value != "" and getattr(person, key) != value:
            setattr(person, key, value)
            if key == "name":
                person.name_pinyin = pinyin_of(value)
    post = data["post"]
    if post is None or post.get("same"):
        return
    existing: Position | None = post.get("existing")
    if existing is not None:
        existing.end_date = post["end"]
        return
    org = resolve(post["org"])
    assert org is not None
    db.session.add(
        Position(
            person=person,
            organisation=org,
            title=post["title"],
            start_date=post["start"],
            end_date=post["end"],
            # An admin's import is a confirmed fact, recorded and reviewed by that admin.
            status=PositionStatus.CONFIRMED,
            recorded_by_id=actor.id,
            reviewed_by_id=actor.id,
            reviewed_at=now,
            review_note=_("由组织管理员导入"),
        )
    )
    counts["positions"] += 1
