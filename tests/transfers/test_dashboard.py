"""The organisation dashboard, its CSV export, reminders and the overdue list."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import sqlalchemy as sa

from directory.core import time as clock
from directory.extensions import db
from directory.notifications.models import Notification
from directory.transfers import accepting, reports
from directory.transfers import services as svc
from directory.transfers.models import Transfer, TransferEvent, TransferReason


def _age(t: Transfer, days: int) -> None:
    """Pretend the current step started `days` ago (test set-up only)."""
    db.session.execute(
        sa.update(Transfer)
        .where(Transfer.id == t.id)
        .values(state_since=clock.now() - timedelta(days=days))
    )
    db.session.commit()


def test_dashboard_counts_and_lists(client, auth, cadre, org_admin, receiving, submitted, outsider):
    auth.login(org_admin)
    r = client.get(f"/transfers/orgs/{org_admin.admin_of[0].organisation_id}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="count-out">1<' in html and "张彤" in html
    auth.logout()
    auth.login(receiving.admin)
    html = client.get(f"/transfers/orgs/{receiving.committee.id}").get_data(as_text=True)
    assert 'id="count-out">0<' in html and 'id="count-in">0<' in html  # not yet approved out
    svc.approve_out(org_admin, submitted.id, submitted.version)
    frag = client.get(f"/transfers/orgs/{receiving.committee.id}", headers={"HX-Request": "true"})
    html = frag.get_data(as_text=True)
    assert (
        "<html" not in html and 'id="count-in">1<' in html and "HX-Request" in frag.headers["Vary"]
    )
    accepting.accept_in(receiving.admin, submitted.id, submitted.version)
    d = reports.dashboard(receiving.committee, "month")
    assert d.counts["completed"] == 1 and d.flows_in == [("南充市", 1)]
    assert reports.dashboard(org_admin.admin_of[0].organisation, "year").flows_out == [
        ("成都市", 1)
    ]


def test_dashboard_only_for_its_admins(client, auth, cadre, outsider, world, submitted):
    for who in (cadre, outsider):
        auth.login(who)
        assert client.get(f"/transfers/orgs/{world.county_org.id}").status_code == 404
        assert client.get(f"/transfers/orgs/{world.county_org.id}/export.csv").status_code == 404
        auth.logout()


def test_export_csv(client, auth, org_admin, world, submitted):
    auth.login(org_admin)
    r = client.get(f"/transfers/orgs/{world.county_org.id}/export.csv")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "编号" and len(rows) == 2
    assert rows[1][1] == "张彤" and rows[1][3] == "成都七中团支部"


def test_export_neutralises_formulas(client, auth, org_admin, world, receiving):
    from tests.factories import make_person

    evil = make_person(name="=HYPERLINK(1)", membership_org_id=world.branch.id)
    svc.submit(org_admin, evil, receiving.branch, TransferReason.JOB)
    auth.login(org_admin)
    text = client.get(f"/transfers/orgs/{world.county_org.id}/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK(1)" in text


def test_overdue_list_and_idempotent_reminders(app, org_admin, world, submitted):
    assert reports.remind() == 0  # nothing is late yet
    _age(submitted, 8)
    d = reports.dashboard(world.city_org)  # the level above sees it
    assert d.counts["overdue"] == 1 and d.overdue[0].id == submitted.id
    assert reports.remind() == 1
    assert reports.remind() == 0  # running twice sends nothing twice
    notes = db.session.scalars(
        sa.select(Notification).where(Notification.kind == "transfer_overdue")
    ).all()
    assert [n.person_id for n in notes] == [org_admin.id]
    assert "8 天" in notes[0].message
    events = db.session.scalars(sa.select(TransferEvent.action)).all()
    assert [e.value for e in events].count("remind") == 1


def test_limit_is_configurable(app, submitted):
    _age(submitted, 3)
    assert reports.remind() == 0
    app.config["TRANSFER_STEP_DAYS"] = 2
    assert reports.remind() == 1


def test_cli_remind(app, runner, submitted):
    _age(submitted, 10)
    result = runner.invoke(args=["transfers", "remind"])
    assert result.exit_code == 0 and "reminded 1" in result.output
    result = runner.invoke(args=["transfers", "remind"])
    assert "reminded 0" in result.output


def test_lists_are_oldest_first_and_internal_moves_are_not_flows(
    org_admin, world, receiving, cadre
):
    from tests.factories import make_org, make_person

    late = make_person(name="晚到", membership_org_id=world.branch.id)
    first = svc.submit(cadre, cadre, receiving.branch, TransferReason.JOB)
    second = svc.submit(late, late, receiving.branch, TransferReason.JOB)
    _age(first, 3)
    d = reports.dashboard(world.county_org)
    assert [t.id for t in d.waiting_out] == [first.id, second.id]
    branch2 = make_org("第二社区团支部", world.street_region, world.street_org)
    inside = make_person(name="内部", membership_org_id=world.branch.id)
    t = svc.submit(org_admin, inside, branch2, TransferReason.MOVING)
    accepting.accept_in(org_admin, t.id, t.version)
    d = reports.dashboard(world.county_org, "all")
    assert d.counts["completed"] == 1 and d.flows_out == [] and d.flows_in == []


def test_cli_remind_days_option(runner, submitted):
    _age(submitted, 3)
    assert "reminded 0" in runner.invoke(args=["transfers", "remind"]).output
    assert "reminded 1" in runner.invoke(args=["transfers", "remind", "--days", "2"]).output
    assert runner.invoke(args=["transfers", "remind", "--days", "0"]).exit_code != 0
