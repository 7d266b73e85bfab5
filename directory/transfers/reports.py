"""Transfers seen from above: lists, the organisation dashboard, CSV export, reminders."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, case, func, literal, or_, select, union_all, update
from sqlalchemy.orm import aliased, joinedload

from directory.core import time as clock
from directory.core.messages import _m
from directory.core.uow import transactional
from directory.extensions import db
from directory.notifications.services import notify
from directory.orgs.models import Organisation
from directory.people.models import Person
from directory.regions.models import Region
from directory.transfers import notes
from directory.transfers.models import (
    OPEN_STATES,
    Transfer,
    TransferAction,
    TransferEvent,
    TransferState,
)
from directory.transfers.notify import acting_admin_ids, transfer_link
from directory.transfers.permissions import subtree_ids, visible_clause

S = TransferState
LIST_LIMIT = 20
PERIODS = ("month", "year", "all")


def step_days() -> int:
    """Days a step may wait before reminders and the overdue list (default 7)."""
    raw = current_app.config.get("TRANSFER_STEP_DAYS") or os.environ.get(
        "DIRECTORY_TRANSFER_STEP_DAYS", "7"
    )
    try:
        return max(1, int(raw))
    except (TypeError, ValueError):
        return 7


def _eager(stmt):
    return stmt.options(
        joinedload(Transfer.person),
        joinedload(Transfer.from_org),
        joinedload(Transfer.to_org),
        joinedload(Transfer.final_org),
    )


def mine(viewer: Person, limit: int = 100) -> list[Transfer]:
    """Transfers of the viewer, or started by them, newest first."""
    stmt = (
        select(Transfer)
        .where(or_(Transfer.person_id == viewer.id, Transfer.requested_by_id == viewer.id))
        .order_by(Transfer.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(_eager(stmt)))


def timeline(t: Transfer) -> list[TransferEvent]:
    """The audit entries of one transfer, oldest first, with their actors (one query)."""
    return list(
        db.session.scalars(
            select(TransferEvent)
            .options(joinedload(TransferEvent.actor))
            .where(TransferEvent.transfer_id == t.id)
            .order_by(TransferEvent.id)
        )
    )


def _period_start(period: str, now: datetime) -> datetime | None:
    """Start of this month/year in China time, as naive UTC."""
    if period == "all":
        return None
    tz = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))
    local = now.replace(tzinfo=ZoneInfo("UTC")).astimezone(tz)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if period == "year":
        start = start.replace(month=1)
    return start.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


@dataclass
class Dashboard:
    org: Organisation
    period: str
    days: int
    limit: int = LIST_LIMIT
    counts: dict[str, int] = field(default_factory=dict)
    waiting_out: list[Transfer] = field(default_factory=list)
    waiting_in: list[Transfer] = field(default_factory=list)
    overdue: list[Transfer] = field(default_factory=list)
    completed: list[Transfer] = field(default_factory=list)
    flows_out: list[tuple[str, int]] = field(default_factory=list)
    flows_in: list[tuple[str, int]] = field(default_factory=list)


def dashboard(org: Organisation, period: str = "month", now: datetime | None = None) -> Dashboard:
    """Everything an organisation's admins watch, over its whole subtree."""
    now = now or clock.now()
    period = period if period in PERIODS else "month"
    days = step_days()
    sub = subtree_ids([org.path]).scalar_subquery()
    cutoff = now - timedelta(days=days)
    start = _period_start(period, now)
    out_q = and_(Transfer.state == S.SUBMITTED, Transfer.from_org_id.in_(sub))
    in_q = and_(Transfer.state == S.APPROVED_OUT, Transfer.to_org_id.in_(sub))
    overdue_q = and_(or_(out_q, in_q), Transfer.state_since < cutoff)
    done_q = and_(
        Transfer.state == S.COMPLETED,
        or_(Transfer.from_org_id.in_(sub), Transfer.to_org_id.in_(sub)),
    )
    if start is not None:
        done_q = and_(done_q, Transfer.completed_at >= start)
    d = Dashboard(org=org, period=period, days=days)
    counts = db.session.execute(
        select(
            func.count().filter(out_q),
            func.count().filter(in_q),
            func.count().filter(overdue_q),
            func.count().filter(done_q),
        ).select_from(Transfer)
    ).one()
    d.counts = dict(zip(("out", "in", "overdue", "completed"), counts, strict=True))

    # Ids first, in one UNION ALL of four small index-friendly queries, then one load of
    # at most 4 x LIST_LIMIT rows by primary key (the dashboard is ~8 round trips in all).
    specs = [
        (out_q, Transfer.state_since, d.counts["out"]),
        (in_q, Transfer.state_since, d.counts["in"]),
        (overdue_q, Transfer.state_since, d.counts["overdue"]),
        (done_q, Transfer.completed_at.desc(), d.counts["completed"]),
    ]
    parts = []
    for k, (cond, order, count) in enumerate(specs):
        if count:
            sq = (
                select(literal(k).label("k"), Transfer.id.label("id"))
                .where(cond)
                .order_by(order, Transfer.id)
                .limit(LIST_LIMIT)
                .subquery()
            )
            parts.append(select(sq.c.k, sq.c.id))
    lists: list[list[int]] = [[], [], [], []]
    if parts:
        for k, tid in db.session.execute(union_all(*parts)):
            lists[k].append(tid)
        wanted = set().union(*lists)
        stmt = _eager(select(Transfer).where(Transfer.id.in_(wanted)))
        loaded = {t.id: t for t in db.session.scalars(stmt)}
        keys = (
            lambda t: (t.state_since, t.id),
            lambda t: (t.state_since, t.id),
            lambda t: (t.state_since, t.id),
            lambda t: (-(t.completed_at or t.state_since).timestamp(), t.id),
        )
        d.waiting_out, d.waiting_in, d.overdue, d.completed = (
            sorted((loaded[i] for i in ids), key=key) for ids, key in zip(lists, keys, strict=True)
        )
    d.flows_out, d.flows_in = _flows(sub, start)
    return d


def _flows(sub, start: datetime | None) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """Completed transfers crossing the subtree's border, by the other side's city: (out, in)."""
    from_in, to_in = Transfer.from_org_id.in_(sub), Transfer.to_org_id.in_(sub)
    other, region, city = aliased(Organisation), aliased(Region), aliased(Region)
    outgoing = case((from_in, literal(1)), else_=literal(0))
    code = func.substr(region.code, 1, 4)
    stmt = (
        select(outgoing, func.coalesce(city.name, code), func.count())
        .select_from(Transfer)
        .join(other, other.id == case((from_in, Transfer.to_org_id), else_=Transfer.from_org_id))
        .join(region, region.id == other.region_id)
        .outerjoin(city, city.code == code)
        .where(Transfer.state == S.COMPLETED, or_(from_in, to_in), ~and_(from_in, to_in))
        .group_by(outgoing, code, city.name)
        .order_by(func.count().desc(), code)
    )
    if start is not None:
        stmt = stmt.where(Transfer.completed_at >= start)
    flows: tuple[list[tuple[str, int]], list[tuple[str, int]]] = ([], [])
    for is_out, name, n in db.session.execute(stmt):
        flows[0 if is_out else 1].append((str(name), int(n)))
    return flows


_CSV_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_CSV_DANGEROUS) else text


def export_csv(viewer: Person, org: Organisation) -> Iterator[str]:
    """Every transfer touching `org`'s subtree that the viewer may see, as CSV lines."""
    sub = subtree_ids([org.path]).scalar_subquery()
    stmt = _eager(
        select(Transfer)
        .where(
            or_(Transfer.from_org_id.in_(sub), Transfer.to_org_id.in_(sub)),
            visible_clause(viewer),
        )
        .order_by(Transfer.id)
    ).execution_options(yield_per=500)
    buf = io.StringIO()
    writer = csv.writer(buf)

    def flush() -> str:
        value = buf.getvalue()
        buf.seek(0)
        buf.truncate()
        return value

    writer.writerow(
        [
            _("编号"),
            _("成员"),
            _("转出组织"),
            _("转入组织"),
            _("接收团支部"),
            _("原因"),
            _("状态"),
            _("当前状态起始（%(zone)s）", zone=clock.display_zone_name()),
            _("完成时间（%(zone)s）", zone=clock.display_zone_name()),
        ]
    )
    yield "\ufeff" + flush()
    for t in db.session.scalars(stmt):
        writer.writerow(
            [
                t.id,
                _cell(t.person.name),
                _cell(t.from_org.name),
                _cell(t.to_org.name),
                _cell(t.final_org.name if t.final_org else ""),
                t.reason.label,
                t.state.label,
                clock.local_time(t.state_since),
                clock.local_time(t.completed_at),
            ]
        )
        yield flush()


@transactional
def remind(now: datetime | None = None) -> int:
    """Remind the admins of every step waiting too long; idempotent (commits).

    A step is reminded once per waiting period: `reminded_at` moves forward with a
    conditional UPDATE, so a second run (or a concurrent one) sends nothing.
    """
    now = now or clock.now()
    cutoff = now - timedelta(days=step_days())
    waiting = (S.SUBMITTED, S.APPROVED_OUT)
    due = or_(Transfer.reminded_at.is_(None), Transfer.reminded_at < cutoff)
    candidates = db.session.scalars(
        _eager(
            select(Transfer)
            .where(Transfer.state.in_(waiting), Transfer.state_since < cutoff, due)
            .order_by(Transfer.id)
        )
    ).all()
    sent = 0
    for t in candidates:
        won = db.session.execute(
            update(Transfer)
            .where(Transfer.id == t.id, Transfer.version == t.version, due)
            .values(reminded_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount  # type: ignore[attr-defined]  # an UPDATE/DELETE gives a CursorResult; Session.execute is typed Result
        if won != 1 or t.waiting_org is None:
            continue
        waited = (now - t.state_since).days
        db.session.add(
            TransferEvent(
                transfer_id=t.id,
                actor_id=None,
                action=TransferAction.REMIND,
                from_state=t.state,
                to_state=t.state,
                at=now,
                note=notes.reminded(waited, t.waiting_org.name),
            )
        )
        notify(
            acting_admin_ids(t.waiting_org),
            "transfer_overdue",
            _m(
                "%(name)s 的组织关系转接已在“%(org)s”等待 %(n)d 天，请尽快处理。",
                name=t.person.name,
                org=t.waiting_org.name,
                n=waited,
            ),
            transfer_link(t.id),
        )
        sent += 1
    return sent


def is_open(t: Transfer) -> bool:
    """Still in progress (shown as 转接中)."""
    return t.state in OPEN_STATES


def waiting_for(viewer: Person, limit: int = 5) -> tuple[int, list[Transfer]]:
    """Transfers whose next step is the viewer's (home page to-dos): how many, the oldest few.

    A step waits for the admins of the organisation concerned or of an ancestor (the
    `can_act_out` / `can_act_in` predicates); a returned request waits for its requester.
    """
    returned = and_(Transfer.state == S.RETURNED, Transfer.requested_by_id == viewer.id)
    if viewer.is_admin:
        mine = or_(Transfer.state.in_((S.SUBMITTED, S.APPROVED_OUT)), returned)
    else:
        paths = [p for p in _admin_paths(viewer) if p]
        sub = subtree_ids(paths)
        mine = or_(
            and_(Transfer.state == S.SUBMITTED, Transfer.from_org_id.in_(sub)),
            and_(Transfer.state == S.APPROVED_OUT, Transfer.to_org_id.in_(sub)),
            returned,
        )
    total = db.session.scalar(select(func.count()).select_from(Transfer).where(mine)) or 0
    items = (
        list(
            db.session.scalars(
                _eager(
                    select(Transfer).where(mine).order_by(Transfer.state_since, Transfer.id)
                ).limit(limit)
            )
        )
        if total
        else []
    )
    return total, items


def _admin_paths(viewer: Person) -> list[str]:
    from directory.orgs.permissions import admin_org_ids

    ids = admin_org_ids(viewer)
    if not ids:
        return []
    return list(db.session.scalars(select(Organisation.path).where(Organisation.id.in_(ids))))
