"""Former colleagues ("people you may know"): same organisation, overlapping in time."""

from __future__ import annotations

from datetime import date

import pytest

from directory.people.colleagues import former_colleagues
from directory.people.permissions import ContactPolicy
from tests.factories import make_person


@pytest.fixture
def team(world):
    """The viewer served in the city committee 2015-2019; others before, with, after."""
    org = world.city_org
    viewer = make_person(
        name="何平",
        positions=[
            (org, "宣传委员", date(2015, 1, 1), date(2019, 6, 30)),
            (world.chengdu_org, "副书记", date(2019, 7, 1), None),
        ],
    )
    long_ = make_person(name="孙立", positions=[(org, "书记", date(2012, 1, 1), None)])
    short = make_person(
        name="钱多", positions=[(org, "委员", date(2019, 1, 1), date(2020, 12, 31))]
    )
    before = make_person(
        name="周前", positions=[(org, "委员", date(2010, 1, 1), date(2014, 12, 31))]
    )
    after = make_person(name="吴后", positions=[(org, "委员", date(2019, 7, 1), None)])
    now_together = make_person(
        name="郑今", positions=[(world.chengdu_org, "委员", date(2020, 1, 1), None)]
    )
    gone = make_person(
        name="冯停",
        is_active_account=False,
        positions=[(org, "委员", date(2016, 1, 1), date(2017, 1, 1))],
    )
    return viewer, long_, short, before, after, now_together, gone


def test_overlapping_in_time_in_the_same_organisation(app, team) -> None:
    viewer = team[0]
    with app.test_request_context():
        found = former_colleagues(viewer, limit=10)
    # Longest time together first; nobody who served before or after; current
    # colleagues (both still there) and deactivated accounts left out.
    assert [c.person.name for c in found] == ["孙立", "钱多"]
    assert found[0].organisation.name == "共青团南充市委"
    assert (found[0].start, found[0].end) == (date(2015, 1, 1), date(2019, 6, 30))


def test_only_ties_the_privacy_predicate_accepts(app, team, monkeypatch) -> None:
    viewer, long_ = team[0], team[1]
    real = ContactPolicy.shares_with
    monkeypatch.setattr(
        ContactPolicy, "shares_with", lambda self, p: p.id != long_.id and real(self, p)
    )
    with app.test_request_context():
        assert [c.person.name for c in former_colleagues(viewer)] == ["钱多"]


def test_profile_loads_former_colleagues(client, auth, team) -> None:
    viewer, long_ = team[0], team[1]
    auth.login(viewer)
    page = client.get(f"/people/{viewer.id}").get_data(as_text=True)
    assert f'hx-get="/people/{viewer.id}/colleagues"' in page
    assert f'href="/people/{viewer.id}/colleagues"' in page  # without JavaScript
    fragment = client.get(f"/people/{viewer.id}/colleagues", headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert "你可能认识的人" in body and "孙立" in body and "<html" not in body
    assert "HX-Request" in fragment.headers.get("Vary", "")
    page = client.get(f"/people/{long_.id}/colleagues").get_data(as_text=True)
    assert "<html" in page and "曾共事的人" in page and "何平" in page and "钱多" in page


def test_colleagues_page_needs_sign_in_and_a_person(client, auth, team) -> None:
    assert client.get(f"/people/{team[0].id}/colleagues").status_code in (302, 401)
    auth.login(team[0])
    assert client.get("/people/999999/colleagues").status_code == 404
