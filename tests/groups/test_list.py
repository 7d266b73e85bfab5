"""The group list: mine first, small automatic groups out of the way, filters, paths."""

from __future__ import annotations

from datetime import date

from directory.extensions import db
from directory.groups import org_groups
from directory.groups.models import Group
from tests.factories import make_person
from tests.groups.conftest import make_group


def test_mine_first_small_org_groups_hidden_and_filters(client, auth, world, cadre, outsider):
    other = make_group(outsider, "成都青年交流群")
    mine = make_group(cadre, "顺庆青年工作群")
    org_groups.sync_all_org_groups()  # the branch's automatic group: 张彤 alone
    db.session.commit()
    big = make_person(name="赵大", positions=[(world.city_org, "委员", date(2020, 1, 1), None)])
    for i in range(5):
        make_person(name=f"市委{i}", positions=[(world.city_org, "委员", date(2020, 1, 1), None)])
    org_groups.sync_all_org_groups()
    db.session.commit()
    branch_group = db.session.query(Group).filter_by(auto_org_id=world.branch.id).one()
    city_group = db.session.query(Group).filter_by(auto_org_id=world.city_org.id).one()
    county_group = db.session.query(Group).filter_by(auto_org_id=world.county_org.id).one_or_none()
    assert city_group.member_count >= 5 and big is not None

    auth.login(cadre)
    body = client.get("/groups/").get_data(as_text=True)
    # Mine first: my own group and my branch's automatic group precede the others.
    assert body.index(mine.name) < body.index(other.name)
    assert body.index(branch_group.name) < body.index(other.name)
    assert city_group.name in body  # big enough to list
    # The organisation path of an automatic group.
    assert "共青团四川省委 › 共青团南充市委 › 共青团顺庆区委" in body
    # Only custom groups / only organisation groups.
    custom = client.get("/groups/?kind=custom").get_data(as_text=True)
    assert other.name in custom and city_group.name not in custom
    orgs = client.get("/groups/?kind=org").get_data(as_text=True)
    assert other.name not in orgs and city_group.name in orgs
    assert county_group is None or county_group.name in orgs
    # A bogus kind is ignored rather than an error.
    assert client.get("/groups/?kind=nonsense").status_code == 200


def test_small_org_groups_are_listed_to_members_only(client, auth, world, cadre, outsider):
    org_groups.sync_all_org_groups()
    db.session.commit()
    auth.login(outsider)  # not in the Nanchong branch
    body = client.get("/groups/").get_data(as_text=True)
    assert "模范街社区团支部" not in body
    # The organisation-group filter lists them all; a name search finds one.
    assert "模范街社区团支部" in client.get("/groups/?kind=org").get_data(as_text=True)
    assert "模范街社区团支部" in client.get("/groups/?q=模范街").get_data(as_text=True)


def test_region_filter(client, auth, world, cadre, outsider):
    g = make_group(outsider, "成都青年交流群")
    g.region_id = world.chengdu.id
    db.session.commit()
    auth.login(cadre)
    body = client.get("/groups/?region=5101").get_data(as_text=True)
    assert "成都青年交流群" in body
    assert "成都青年交流群" not in client.get("/groups/?region=5113").get_data(as_text=True)
