"""API: roster export and statistics, through the pages' permission and figures."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import select

from directory.audit.models import AuditEvent
from directory.core.enums import Visibility
from directory.extensions import db
from directory.people.models import Person
from directory.stats import figures, quality
from tests.api.conftest import ApiWorld, bearer, make_token
from tests.factories import make_person


@pytest.fixture
def desk(api_world: ApiWorld):
    """The API world plus a wrong admin (of Chengdu) and a cadre whose membership is in
    Chengdu but who holds a post in the branch, with a phone only admins may see."""
    w = api_world.world
    wrong_admin = make_person(
        name="钱进", membership_org_id=w.chengdu_org.id, admin_of=[w.chengdu_org]
    )
    visitor = make_person(
        name="刘洋",
        phone="+8613900139000",
        phone_visibility=Visibility.ADMINS,
        membership_org_id=w.chengdu_org.id,
        positions=[(w.branch, "委员", date(2024, 1, 1), None)],
    )
    return api_world, wrong_admin, visitor


def _exports(person: Person) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "roster.export", AuditEvent.actor_id == person.id
            )
        )
    )


def test_admin_exports_the_roster_as_json_audited(app, client, desk) -> None:
    w, _wrong, _visitor = desk
    h = bearer(make_token(app, w.org_admin))
    county = w.world.county_org
    r = client.get(f"/api/v1/organisations/{county.id}/roster", headers=h)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    body = r.get_json()
    by_name = {p["name"]: p for p in body["people"]}
    assert {"张彤", "李明", "刘洋", "秦风"} <= set(by_name)
    assert body["subtree"] is True and body["total"] == len(body["people"])
    assert body["exported_by"] == "李明" and not body["truncated"]
    # He administers 张彤 (membership in his subtree): her phone is in; 刘洋's membership is
    # in Chengdu and his phone is for admins only: not his admins, so not in the export.
    assert by_name["张彤"]["contacts"]["phone"] == "+8613800138000"
    assert "phone" not in by_name["刘洋"]["contacts"]
    assert "13900139000" not in r.get_data(as_text=True)
    assert by_name["张彤"]["current_positions"][0]["title"] == "书记"
    rows = _exports(w.org_admin)
    assert len(rows) == 1 and rows[0].details["format"] == "json"
    assert rows[0].details["org_id"] == county.id and rows[0].details["rows"] == body["total"]
    # Without the subtree: the district's own members and post holders only.
    own = client.get(f"/api/v1/organisations/{county.id}/roster?subtree=false", headers=h)
    assert [p["name"] for p in own.get_json()["people"]] == ["李明"]
    assert len(_exports(w.org_admin)) == 2


@pytest.mark.parametrize(
    ("fmt", "mimetype", "start"),
    [
        ("csv", "text/csv", "\ufeff#"),
        ("vcf", "text/vcard", "BEGIN:VCARD"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "PK"),
    ],
)
def test_the_page_files_come_out_too(app, client, desk, fmt, mimetype, start) -> None:
    w, _wrong, _visitor = desk
    h = bearer(make_token(app, w.org_admin))
    url = f"/api/v1/organisations/{w.world.county_org.id}/roster/file?format={fmt}"
    r = client.get(url, headers=h)
    assert r.status_code == 200 and r.mimetype == mimetype
    assert r.headers["Content-Disposition"].startswith("attachment;")
    assert r.headers["Content-Disposition"].endswith(f'.{fmt}"')
    assert r.headers["Content-Type"].count("charset") <= 1
    assert r.data.decode("utf-8", "replace").startswith(start) or r.data.startswith(b"PK")
    if fmt == "csv":
        text = r.data.decode("utf-8-sig")
        names = [row[0] for row in csv.reader(io.StringIO(text))]
        assert "张彤" in names and "13900139000" not in text
    rows = _exports(w.org_admin)
    assert [e.details["format"] for e in rows] == [fmt]


def test_statistics_are_the_pages_figures(app, client, desk) -> None:
    w, _wrong, _visitor = desk
    h = bearer(make_token(app, w.org_admin))
    county = w.world.county_org
    r = client.get(f"/api/v1/organisations/{county.id}/statistics", headers=h)
    assert r.status_code == 200 and r.headers["ETag"]
    body = r.get_json()
    with app.test_request_context("/"):
        expected = figures.all_tables(county)
        counts = quality.counts(county)
    assert [t["key"] for t in body["tables"]] == [t.key for t in expected]
    for got, want in zip(body["tables"], expected, strict=True):
        assert [(row["label"], row["count"]) for row in got["rows"]] == want.rows
        assert got["total"] == want.total
    region = body["tables"][0]
    assert region["key"] == "region" and all(row["region"] for row in region["rows"])
    assert body["quality"] == counts
    assert body["completeness"][0]["organisation"]["id"] == county.id
    again = client.get(
        f"/api/v1/organisations/{county.id}/statistics",
        headers={**h, "If-None-Match": r.headers["ETag"]},
    )
    assert again.status_code == 304


def test_who_may_export_and_see_statistics_as_on_the_pages(app, client, auth, desk) -> None:
    """Each persona gets from the API exactly the status the pages give them."""
    w, wrong_admin, _visitor = desk
    county, branch = w.world.county_org, w.world.branch
    cases = [
        (f"/api/v1/organisations/{county.id}/roster", f"/rosters/orgs/{county.id}/export"),
        (
            f"/api/v1/organisations/{branch.id}/roster/file?format=csv",
            f"/rosters/orgs/{branch.id}/export?format=csv",
        ),
        (f"/api/v1/organisations/{county.id}/statistics", f"/stats/orgs/{county.id}"),
        ("/api/v1/organisations/999999/statistics", "/stats/orgs/999999"),
        ("/api/v1/organisations/999999/roster", "/rosters/orgs/999999/export"),
    ]
    expected = {w.cadre.id: 403, wrong_admin.id: 403, w.outsider.id: 403, w.org_admin.id: 200}
    for person in (w.cadre, wrong_admin, w.outsider, w.org_admin):
        h = bearer(make_token(app, person))
        auth.login(person)
        for api_url, page_url in cases:
            page = client.get(page_url).status_code
            api = client.get(api_url, headers=h)
            assert api.status_code == page, (person.name, api_url)
            if "999999" in api_url:
                assert api.status_code == 404
            else:
                assert api.status_code == expected[person.id], (person.name, api_url)
            if api.status_code >= 400:
                assert api.mimetype == "application/problem+json"
                assert "张彤" not in api.get_data(as_text=True)
        auth.logout()
    # Refused exports write nothing; the admin's two (page and API) are each audited.
    assert _exports(w.cadre) == [] and _exports(wrong_admin) == []
    assert len(_exports(w.org_admin)) == 4


def test_bad_format_and_subtree_are_422(app, client, desk) -> None:
    w, _wrong, _visitor = desk
    h = bearer(make_token(app, w.org_admin))
    base = f"/api/v1/organisations/{w.world.county_org.id}/roster"
    for url in (f"{base}/file?format=pdf", f"{base}?subtree=maybe"):
        r = client.get(url, headers=h)
        assert r.status_code == 422 and r.mimetype == "application/problem+json"
        assert r.get_json()["errors"]
    assert _exports(w.org_admin) == []


def test_roster_queries_do_not_grow_with_people_and_regions(app, client, queries, desk) -> None:
    """The roster's organisations and their regions come in a fixed number of queries."""
    from directory.core.enums import OrgLevel
    from tests.factories import make_org, make_region

    w, _wrong, _visitor = desk
    h = bearer(make_token(app, w.org_admin))
    url = f"/api/v1/organisations/{w.world.county_org.id}/roster"
    client.get(url, headers=h)  # warm: the token's first use writes its last-use time
    db.session.expire_all()  # both requests load what they need from the database
    with queries.watch():
        assert client.get(url, headers=h).status_code == 200
    before = queries.count
    for n in range(4):
        region = make_region(f"5113020{20 + n}", f"测试街道{n}", w.world.shunqing)
        org = make_org(f"测试团工委{n}", region, w.world.county_org, OrgLevel.TOWNSHIP)
        make_person(membership_org_id=org.id, positions=[(org, "书记", date(2024, 1, 1), None)])
    db.session.commit()
    db.session.expire_all()
    with queries.watch():
        body = client.get(url, headers=h).get_json()
    assert body["total"] >= 8
    assert queries.count == before, queries.statements
