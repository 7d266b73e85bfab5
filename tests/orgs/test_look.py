"""Organisation pages for finding people: official order, a filter, "find people here"."""

from __future__ import annotations

from directory.core.enums import OrgLevel, Sector
from directory.extensions import db
from tests.factories import make_org, make_region


def test_children_in_division_code_order(client, auth, world, cadre) -> None:
    leshan = make_region("5111", "乐山市", world.sichuan)
    # By name (code points) 乐山 < 南充 < 成都; the official order is by division code.
    make_org("共青团乐山市委", leshan, world.province_org, OrgLevel.CITY, Sector.GOVERNMENT)
    db.session.commit()
    auth.login(cadre)
    body = client.get(f"/orgs/{world.province_org.id}").get_data(as_text=True)
    assert (
        body.index("共青团成都市委") < body.index("共青团乐山市委") < body.index("共青团南充市委")
    )


def test_tree_filter_and_my_organisation(client, auth, world, cadre) -> None:
    auth.login(cadre)
    body = client.get("/orgs/").get_data(as_text=True)
    assert 'data-filter-tree="#org-tree"' in body
    assert f'href="/orgs/{world.branch.id}"' in body and "我的组织" in body
    found = client.get("/orgs/?q=顺庆").get_data(as_text=True)
    assert "共青团顺庆区委" in found.split('class="plain tree-matches"')[1]
    none = client.get("/orgs/?q=不存在的组织").get_data(as_text=True)
    assert "没有名称包含" in none


def test_find_people_here_links(client, auth, world, cadre) -> None:
    auth.login(cadre)
    org = client.get(f"/orgs/{world.city_org.id}").get_data(as_text=True)
    assert f'href="/search/?org={world.city_org.id}"' in org
    region = client.get("/regions/5113").get_data(as_text=True)
    assert 'href="/search/?region=5113"' in region


def test_cadre_table_stacks_on_phones_with_labels(client, auth, world, cadre) -> None:
    auth.login(cadre)
    body = client.get(f"/orgs/{world.branch.id}").get_data(as_text=True)
    assert 'class="cadres stack"' in body and 'data-label="职务"' in body
    assert '<td class="name">' in body
