"""Information reports: submit up, receive / return / adopt, pass further up, statistics, CSV."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from directory.core.errors import Conflict, PermissionDenied, ValidationError
from directory.extensions import db
from directory.notifications.models import Notification
from directory.reports import services
from directory.reports.models import InfoReport, ReportStatus

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


def test_a_cadre_reports_from_their_branch_to_the_org_above(league):
    report = services.submit(league.a, league.world.branch, "社区志愿服务", "本周开展了活动。")
    assert report.to_org_id == league.world.street_org.id
    assert report.status == ReportStatus.SUBMITTED
    # The street committee's admin is told.
    told = set(
        db.session.scalars(select(Notification.person_id).where(Notification.kind == "report"))
    )
    assert told == {league.street_admin.id}


def test_only_confirmed_posts_report(league):
    with pytest.raises(PermissionDenied):
        services.submit(league.claimant, league.world.branch, "t", "b")
    with pytest.raises(PermissionDenied):
        services.submit(league.outsider, league.world.branch, "t", "b")
    with pytest.raises(ValidationError):
        services.submit(league.a, league.world.branch, "", "b")
    assert db.session.scalar(select(func.count()).select_from(InfoReport)) == 0
    assert [o.id for o in services.submit_orgs(league.a)] == [league.world.branch.id]
    assert services.submit_orgs(league.claimant) == []


def test_return_needs_a_comment_and_adopt_passes_up(league):
    report = services.submit(league.a, league.world.branch, "社区志愿服务", "本周开展了活动。")
    with pytest.raises(PermissionDenied):
        services.decide(league.a, report, "adopt")
    with pytest.raises(ValidationError):
        services.decide(league.street_admin, report, "return", "")
    up = services.decide(league.street_admin, report, "adopt", "写得好", True, "街道按语")
    assert report.status == ReportStatus.ADOPTED
    assert up is not None and up.from_org_id == league.world.street_org.id
    assert up.to_org_id == league.world.county_org.id and up.forwarded_from_id == report.id
    assert up.body.startswith("街道按语")
    with pytest.raises(Conflict):  # already handled
        services.decide(league.street_admin, report, "return", "晚了")
    told = set(
        db.session.scalars(select(Notification.person_id).where(Notification.kind == "report"))
    )
    assert {league.a.id, league.county_admin.id} <= told


def test_statistics_by_org_and_period(league):
    r1 = services.submit(league.a, league.world.branch, "一", "内容")
    services.submit(league.b, league.world.branch, "二", "内容")
    services.submit(league.c, league.branch2, "三", "内容")
    services.decide(league.street_admin, r1, "adopt")
    year = r1.created_at.year
    rows = {
        r.org.id: (r.submitted, r.adopted)
        for r in services.statistics(league.world.county_org, year)
    }
    assert rows == {league.world.branch.id: (2, 1), league.branch2.id: (1, 0)}
    assert services.statistics(league.world.county_org, year - 1) == []
    month_rows = services.statistics(league.world.county_org, year, r1.created_at.month)
    assert sum(r.submitted for r in month_rows) == 3
    text = services.statistics_csv(services.statistics(league.world.county_org, year))
    assert text.startswith("\ufeff") and "模范街社区团支部,团支部,2,1,50%" in text.replace("\r", "")


def test_views_submit_handle_and_stats(league, auth, client):
    auth.login(league.a)
    assert client.get("/reports/new").status_code == 200
    r = client.post(
        "/reports/new",
        data={
            "org": str(league.world.branch.id),
            "title": "志愿服务",
            "body": "内容",
            "photos": (io.BytesIO(PNG), "a.png"),
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 303
    report = db.session.scalar(select(InfoReport))
    assert len(report.photos) == 1
    photo = report.photos[0]
    r = client.get(f"/reports/photos/{photo.id}/{photo.filename}")
    assert r.status_code == 200 and r.data == PNG
    r.close()
    # Not a photo: refused with a message, nothing written.
    r = client.post(
        "/reports/new",
        data={
            "org": str(league.world.branch.id),
            "title": "t",
            "body": "b",
            "photos": (io.BytesIO(b"%PDF-1.4"), "a.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 422 and "只能上传照片" in r.text
    assert client.post(f"/reports/{report.id}/decide", data={"action": "adopt"}).status_code == 403
    auth.logout()
    auth.login(league.street_admin)
    assert "志愿服务" in client.get("/reports/").text
    r = client.post(f"/reports/{report.id}/decide", data={"action": "adopt", "forward": "y"})
    assert r.status_code == 303
    assert client.post(f"/reports/{report.id}/decide", data={"action": "adopt"}).status_code == 409
    assert client.get(f"/reports/stats/{league.world.street_org.id}").status_code == 200
    r = client.get(f"/reports/stats/{league.world.street_org.id}/csv?year={report.created_at.year}")
    assert r.status_code == 200 and r.mimetype == "text/csv" and "模范街社区团支部" in r.text
    assert client.get(f"/reports/stats/{league.world.street_org.id}?year=abc").status_code == 400
    assert client.get(f"/reports/stats/{league.world.street_org.id}?month=13").status_code == 400
    assert client.get(f"/reports/stats/{league.world.county_org.id}").status_code == 403
    auth.logout()
    auth.login(league.outsider)
    assert client.get(f"/reports/{report.id}").status_code == 404
    assert client.get(f"/reports/photos/{photo.id}/{photo.filename}").status_code == 404


def test_stats_fragment(league, auth, client):
    auth.login(league.street_admin)
    r = client.get(f"/reports/stats/{league.world.street_org.id}", headers={"HX-Request": "true"})
    assert r.status_code == 200 and "<html" not in r.text and 'id="stats-table"' in r.text
    assert "HX-Request" in r.headers.get("Vary", "")
