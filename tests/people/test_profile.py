"""The profile page: facts, membership, career history, edit links, query count."""

from __future__ import annotations

from datetime import date

from directory.core.enums import CadreKind, Establishment, Gender, PoliticalStatus
from directory.extensions import db
from tests.factories import make_org, make_person


def test_profile_shows_facts_and_history(client, auth, world, cadre, outsider):
    cadre.gender = Gender.FEMALE
    cadre.birth_year = 1995
    cadre.political_status = PoliticalStatus.LEAGUE
    cadre.cadre_kind = CadreKind.PART_TIME
    cadre.establishment = Establishment.OUT
    cadre.bio = "负责社区青年志愿服务。<script>alert(1)</script>"
    db.session.commit()
    make_person(
        name="历史",
        positions=[],
    )
    from directory.people.models import Position

    db.session.add(
        Position(
            person_id=cadre.id,
            organisation_id=world.street_org.id,
            title="干事",
            start_date=date(2017, 9, 1),
            end_date=date(2020, 12, 31),
        )
    )
    db.session.commit()
    auth.login(outsider)
    r = client.get(f"/people/{cadre.id}")
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    for text in ("张彤", "zhangtong", "女", "1995", "共青团员", "兼职", "编制外"):
        assert text in page
    assert "负责社区青年志愿服务。" in page
    assert "<script>alert(1)</script>" not in page
    assert f'href="/orgs/{world.branch.id}"' in page  # membership organisation links to orgs.show
    assert "现任" in page and "书记" in page and "2021-03-01" in page
    assert "曾任" in page and "干事" in page and "2017-09-01" in page and "2020-12-31" in page
    assert "中城街道" in page  # region of the positions
    assert page.index("书记") < page.index("干事")  # current first
    assert "HX-Request" in r.headers["Vary"]


def test_edit_links_only_for_editors(client, auth, cadre, org_admin, outsider, admin):
    for viewer, can_edit in ((cadre, True), (org_admin, True), (admin, True), (outsider, False)):
        auth.login(viewer)
        page = client.get(f"/people/{cadre.id}").get_data(as_text=True)
        assert (f"/people/{cadre.id}/edit" in page) == can_edit, viewer.name
        assert (f"/people/{cadre.id}/positions/new" in page) == can_edit, viewer.name
        assert (f"/people/{cadre.id}/positions/1/edit" in page) == can_edit, viewer.name
        auth.logout()


def test_unknown_person_is_404(client, auth, cadre):
    auth.login(cadre)
    assert client.get("/people/99999").status_code == 404
    assert client.get("/people/99999/edit").status_code == 404
    assert client.get("/people/99999", headers={"HX-Request": "true"}).status_code == 404


def test_profile_fragment(client, auth, cadre):
    auth.login(cadre)
    r = client.get(f"/people/{cadre.id}", headers={"HX-Request": "true"})
    body = r.get_data(as_text=True)
    assert r.status_code == 200
    assert 'id="profile"' in body and 'id="positions"' in body
    assert "<html" not in body and "团友录 · 共青团干部通讯录" not in body
    assert "HX-Request" in r.headers["Vary"]


def _profile_queries(client, queries, person_id: int) -> int:
    # Requests in tests share the test's session; empty it so nothing comes from its cache.
    db.session.expunge_all()
    with queries.watch() as counter:
        r = client.get(f"/people/{person_id}")
    assert r.status_code == 200
    return counter.count


def test_profile_query_count_is_small_and_flat(client, auth, world, cadre, outsider, queries):
    auth.login(outsider)
    client.get(f"/people/{cadre.id}")  # warm up (catalogues, first connection)
    few = _profile_queries(client, queries, cadre.id)
    for i in range(12):
        region = world.chengdu if i % 2 else world.street_region
        org = make_org(f"测试团支部{i}", region, world.street_org)
        from directory.people.models import Position

        db.session.add(
            Position(
                person_id=cadre.id,
                organisation_id=org.id,
                title="委员",
                start_date=date(2000 + i, 1, 1),
                end_date=date(2001 + i, 1, 1),
            )
        )
    db.session.commit()
    many = _profile_queries(client, queries, cadre.id)
    assert many == few, "the profile page must not query once per position"
    assert many <= 8
