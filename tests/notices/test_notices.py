"""Notices: who is reached, reading (one UPDATE), replies, coverage by part, reminders."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from directory.core.enums import CadreKind, OrgLevel, Sector
from directory.core.errors import PermissionDenied, ValidationError
from directory.extensions import db
from directory.notices import services
from directory.notices.delivery import deliver
from directory.notices.models import Notice, NoticeRecipient, NoticeStatus
from directory.notifications.models import Notification
from tests.notices.conftest import League


def _send(league: League, **options) -> Notice:
    notice = services.send(
        league.county_admin,
        league.world.county_org,
        "关于开展调研的通知",
        "请**按时**参加。",
        **options,
    )
    db.session.expire_all()
    return db.session.get(Notice, notice.id)


def _recipients(notice: Notice) -> set[int]:
    return set(
        db.session.scalars(
            select(NoticeRecipient.person_id).where(NoticeRecipient.notice_id == notice.id)
        )
    )


def test_reaches_confirmed_current_cadres_of_the_subtree_once_each(league):
    notice = _send(league)
    assert notice.status == NoticeStatus.SENT
    expected = {
        league.county_admin.id,
        league.street_admin.id,
        league.street_member.id,
        league.a.id,
        league.b.id,
        league.c.id,
    }
    assert _recipients(notice) == expected  # no claim, no former post, no outsider
    assert notice.recipient_count == len(expected)
    # Each recipient has an in-app notification linking to the notice.
    links = set(
        db.session.scalars(select(Notification.person_id).where(Notification.kind == "notice"))
    )
    assert links == expected
    # The cadre with two posts is reached through one of them.
    rows = db.session.scalars(
        select(NoticeRecipient).where(NoticeRecipient.person_id == league.c.id)
    ).all()
    assert len(rows) == 1


def test_narrowing_by_level_sector_and_kind(league):
    by_level = _send(league, level=OrgLevel.BRANCH)
    assert _recipients(by_level) == {league.a.id, league.b.id, league.c.id}
    by_sector = _send(league, sector=Sector.SCHOOL)
    assert _recipients(by_sector) == {league.c.id}
    by_kind = _send(league, cadre_kind=CadreKind.FULL_TIME)
    assert _recipients(by_kind) == {league.c.id}


def test_deliver_twice_adds_nothing(league):
    notice = _send(league)
    assert deliver(notice.id) == notice.recipient_count
    assert len(_recipients(notice)) == notice.recipient_count


def test_only_admins_of_the_org_compose(league):
    with pytest.raises(PermissionDenied):
        services.send(league.street_admin, league.world.county_org, "标题", "内容")
    with pytest.raises(ValidationError):
        services.send(league.county_admin, league.world.county_org, " ", "内容")
    assert db.session.scalar(select(func.count()).select_from(Notice)) == 0


def test_markdown_is_sanitised(league):
    notice = services.send(
        league.county_admin,
        league.world.county_org,
        "标题",
        "<script>alert(1)</script> [x](javascript:alert(1)) **粗体**",
    )
    assert "<script" not in notice.body_html
    assert 'href="javascript' not in notice.body_html
    assert "<strong>粗体</strong>" in notice.body_html


def test_opening_marks_read_with_one_update(league, auth, client, queries):
    notice = _send(league)
    auth.login(league.a)
    with queries.watch():
        r = client.get(f"/notices/{notice.id}")
    assert r.status_code == 200
    assert "关于开展调研的通知" in r.text
    updates = [s for s in queries.statements if s.lstrip().upper().startswith("UPDATE")]
    assert len(updates) == 1 and "notice_recipient" in updates[0]
    row = services.recipient_row(notice.id, league.a.id)
    assert row is not None and row.read_at is not None
    with queries.watch():
        client.get(f"/notices/{notice.id}")  # read already: nothing to write
    assert not [s for s in queries.statements if s.lstrip().upper().startswith("UPDATE")]


def test_reply(league, auth, client):
    notice = _send(league, reply_required=True)
    auth.login(league.b)
    r = client.post(f"/notices/{notice.id}/reply", data={"reply": "收到，按时参加。"})
    assert r.status_code == 303
    row = services.recipient_row(notice.id, league.b.id)
    db.session.refresh(row)
    assert row.reply == "收到，按时参加。" and row.replied_at and row.read_at
    r = client.post(f"/notices/{notice.id}/reply", data={"reply": ""})
    assert r.status_code == 422
    auth.logout()
    auth.login(league.outsider)
    assert client.post(f"/notices/{notice.id}/reply", data={"reply": "x"}).status_code == 404


def test_coverage_by_part_and_drill_down(league, auth, client):
    notice = _send(league)
    services.mark_read(notice.id, league.a.id)
    services.reply(notice, league.c, "收到")
    cov = services.coverage(notice, league.world.county_org)
    assert (cov.total.total, cov.total.read, cov.total.replied) == (6, 2, 1)
    assert cov.own.total == 1  # the county admin
    assert [r.org.id for r in cov.rows] == [league.world.street_org.id]
    street = services.coverage(notice, league.world.street_org)
    by_org = {r.org.id: (r.total, r.read) for r in street.rows}
    # c holds posts in both branches and is counted once, through the lower organisation id.
    assert by_org == {league.world.branch.id: (3, 2)}
    auth.login(league.county_admin)
    r = client.get(f"/notices/{notice.id}/coverage")
    assert r.status_code == 200 and league.world.street_org.name in r.text
    r = client.get(f"/notices/{notice.id}/coverage?org={league.world.branch.id}")
    assert r.status_code == 200 and "吴敏" in r.text and "张彤" not in r.text.split("未读名单")[1]


def test_intermediate_level_sees_its_part_only(league, auth, client):
    notice = _send(league)
    auth.login(league.street_admin)
    r = client.get(f"/notices/{notice.id}/coverage")
    assert r.status_code == 200
    assert league.world.street_org.name in r.text and "李明" not in r.text
    assert (
        client.get(f"/notices/{notice.id}/coverage?org={league.world.county_org.id}").status_code
        == 403
    )
    auth.logout()
    auth.login(league.a)  # a recipient, not an admin
    assert client.get(f"/notices/{notice.id}/coverage").status_code == 404
    auth.logout()
    auth.login(league.outsider)
    assert client.get(f"/notices/{notice.id}").status_code == 404
    assert client.get(f"/notices/{notice.id}/coverage").status_code == 404


def test_coverage_fragment(league, auth, client):
    notice = _send(league)
    auth.login(league.county_admin)
    r = client.get(f"/notices/{notice.id}/coverage", headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert "<html" not in r.text and 'id="coverage"' in r.text
    assert "HX-Request" in r.headers.get("Vary", "")


def test_remind_the_unread_of_a_part(league, auth, client):
    notice = _send(league)
    services.mark_read(notice.id, league.a.id)
    auth.login(league.street_admin)
    r = client.post(f"/notices/{notice.id}/remind", data={"org": str(league.world.branch.id)})
    assert r.status_code == 303
    reminded = set(
        db.session.scalars(
            select(Notification.person_id).where(Notification.kind == "notice_reminder")
        )
    )
    assert reminded == {league.b.id, league.c.id}  # a has read it
    assert (
        client.post(
            f"/notices/{notice.id}/remind", data={"org": str(league.world.county_org.id)}
        ).status_code
        == 403
    )
    assert client.post(f"/notices/{notice.id}/remind", data={"org": "x"}).status_code == 404


def test_compose_page(league, auth, client):
    auth.login(league.county_admin)
    r = client.get("/notices/new")
    assert r.status_code == 200 and league.world.county_org.name in r.text
    r = client.post(
        "/notices/new", data={"org": str(league.world.county_org.id), "title": "", "body": ""}
    )
    assert r.status_code == 422
    pdf = (io.BytesIO(b"%PDF-1.4 test"), "plan.pdf")
    r = client.post(
        "/notices/new",
        data={
            "org": str(league.world.county_org.id),
            "title": "会议通知",
            "body": "周五开会",
            "deadline": "2099-01-31",
            "reply_required": "y",
            "level": "branch",
            "files": pdf,
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 303
    notice = db.session.scalar(select(Notice).where(Notice.title == "会议通知"))
    assert (
        notice.reply_required and notice.level == OrgLevel.BRANCH and len(notice.attachments) == 1
    )
    assert notice.deadline.isoformat() == "2099-01-31"
    auth.logout()
    auth.login(league.a)
    att = notice.attachments[0]
    download = client.get(f"/notices/attachments/{att.id}/{att.filename}")
    assert download.status_code == 200 and download.data == b"%PDF-1.4 test"
    download.close()
    assert client.get("/notices/new").status_code == 403
    auth.logout()
    auth.login(league.street_admin)  # not a recipient (level: branches only), admin of a part
    download = client.get(f"/notices/attachments/{att.id}/{att.filename}")
    assert download.status_code == 200
    download.close()
    auth.logout()
    auth.login(league.outsider)
    assert client.get(f"/notices/attachments/{att.id}/{att.filename}").status_code == 404


def test_compose_refuses_an_org_outside_and_a_past_deadline(league, auth, client):
    auth.login(league.street_admin)
    r = client.post(
        "/notices/new",
        data={"org": str(league.world.county_org.id), "title": "t", "body": "b"},
    )
    assert r.status_code == 422 and "请选择你管理的团组织" in r.text
    r = client.post(
        "/notices/new",
        data={
            "org": str(league.world.street_org.id),
            "title": "t",
            "body": "b",
            "deadline": "2001-01-01",
        },
    )
    assert r.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Notice)) == 0


def test_index_lists_inbox_and_managed(league, auth, client):
    notice = _send(league)
    auth.login(league.a)
    r = client.get("/notices/")
    assert r.status_code == 200 and notice.title in r.text and "未读" in r.text
    auth.logout()
    auth.login(league.street_admin)
    r = client.get("/notices/")
    assert "我管理范围内的通知" in r.text and f"/notices/{notice.id}/coverage" in r.text
    auth.logout()
    auth.login(league.outsider)
    r = client.get("/notices/")
    assert notice.title not in r.text


def test_delivery_runs_as_a_background_job(league):
    from directory.jobs.models import Job, JobStatus

    notice = _send(league)
    job = db.session.get(Job, notice.job_id)
    assert job is not None and job.kind == "notices.deliver"
    assert job.status == JobStatus.DONE and job.owner_id == league.county_admin.id
    assert job.result["url"].endswith(f"/notices/{notice.id}/coverage")


def test_delivery_job_runs_without_a_request(app, league):
    """A job consumer (the serving process's thread, `flask jobs run`) has no request:
    the job's result link must still be built (it raised RuntimeError there)."""
    import threading

    from directory.jobs import runner
    from directory.jobs.models import Job, JobStatus

    notice = services.compose(
        league.county_admin, league.world.county_org, "关于开展调研的通知", "请按时参加。"
    )
    job = Job(
        kind="notices.deliver", owner_id=league.county_admin.id, params={"notice_id": notice.id}
    )
    db.session.add(job)
    db.session.commit()
    job_id = job.id

    def consume() -> None:
        with app.app_context():
            runner._run(job_id)

    worker = threading.Thread(target=consume)
    worker.start()
    worker.join()
    db.session.expire_all()
    done = db.session.get(Job, job_id)
    assert done.status == JobStatus.DONE, done.message
    assert done.result["url"].endswith(f"/notices/{notice.id}/coverage")


def test_mailed_notices_link_to_the_notice(app, league, monkeypatch):
    """With mail on and no BASE_URL the link is on the host that served the request (the
    mail step read a missing BASE_URL as "" and failed on None)."""
    from directory.core import mail

    sent: list[str] = []
    monkeypatch.setattr(mail, "send_mail", lambda to, subject, body: sent.append(body) or True)
    app.config.update(MAIL_ENABLED=True, BASE_URL=None)
    notice = _send(league)
    assert len(sent) >= 3
    assert all(f"http://localhost/notices/{notice.id}\n" in body for body in sent)
