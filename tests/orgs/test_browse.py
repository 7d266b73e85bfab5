"""Browsing the tree and organisation pages as each persona."""

from __future__ import annotations

from datetime import date

import flask_babel
import pytest

from directory.core.enums import Visibility
from directory.extensions import db
from tests.factories import make_org, make_person
from tests.orgs.conftest import HX


def test_anonymous_is_sent_to_login(client, world):
    for url in [
        "/orgs/",
        f"/orgs/{world.county_org.id}",
        f"/orgs/{world.city_org.id}/children",
        "/orgs/lookup?q=南充",
    ]:
        r = client.get(url)
        assert r.status_code == 302
        assert "/auth/login" in r.headers["Location"]


@pytest.mark.parametrize("persona", ["cadre", "org_admin", "admin", "outsider"])
def test_index_shows_top_level_with_lazy_children(client, auth, world, persona, request):
    auth.login(request.getfixturevalue(persona))
    r = client.get("/orgs/")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "<html" in html
    assert "共青团四川省委" in html
    # Only the top level is rendered; the children come on demand.
    assert "共青团南充市委" not in html
    children_url = f"/orgs/{world.province_org.id}/children"
    assert f'hx-get="{children_url}"' in html
    assert f'href="{children_url}"' in html
    assert f'href="/orgs/{world.province_org.id}"' in html
    assert ("新建顶级团组织" in html) == (persona == "admin")


def test_index_fragment(client, auth, cadre):
    auth.login(cadre)
    r = client.get("/orgs/", headers=HX)
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "<html" not in html
    assert "共青团四川省委" in html
    assert "HX-Request" in r.headers["Vary"]


def test_children_fragment_and_page(client, auth, world, cadre):
    auth.login(cadre)
    url = f"/orgs/{world.province_org.id}/children"
    frag = client.get(url, headers=HX)
    html = frag.get_data(as_text=True)
    assert frag.status_code == 200
    assert "<html" not in html
    assert "共青团南充市委" in html and "共青团成都市委" in html
    assert "共青团顺庆区委" not in html  # one level only
    assert "HX-Request" in frag.headers["Vary"]
    page = client.get(url)
    text = page.get_data(as_text=True)
    assert "<html" in text
    assert "共青团四川省委的下级组织" in text
    assert "共青团南充市委" in text


def test_children_of_unknown_org_is_404(client, auth, cadre):
    auth.login(cadre)
    r = client.get("/orgs/99999/children")
    assert r.status_code == 404
    assert "团组织不存在" in r.get_data(as_text=True)


def test_tree_node_counts(client, auth, world, cadre, org_admin):
    auth.login(cadre)
    html = client.get(f"/orgs/{world.city_org.id}/children", headers=HX).get_data(as_text=True)
    # 顺庆区委: 1 current cadre (李明) and 1 child (the street committee).
    assert "1 名现任团干部" in html
    assert "1 个下级组织" in html


@pytest.mark.parametrize("persona", ["cadre", "org_admin", "admin", "outsider"])
def test_show_page_as_each_persona(
    client, auth, world, cadre, org_admin, admin, outsider, persona, request
):
    viewer = request.getfixturevalue(persona)
    auth.login(viewer)
    r = client.get(f"/orgs/{world.county_org.id}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    # Breadcrumbs from the path, root first.
    crumbs = html.split('class="breadcrumbs"')[1].split("</nav>")[0]
    assert crumbs.index("共青团四川省委") < crumbs.index("共青团南充市委")
    assert "共青团顺庆区委</h1>" in html
    assert "团县委/团区委" in html
    assert "机关事业单位" in html
    assert "顺庆区" in html
    assert "中城街道团工委" in html  # child
    assert f'href="/people/{org_admin.id}"' in html  # current cadre links to the profile
    manager = persona in ("org_admin", "admin")
    assert (f'href="/orgs/{world.county_org.id}/edit"' in html) == manager
    assert (f'href="/orgs/{world.county_org.id}/new"' in html) == manager
    assert (f'href="/orgs/{world.county_org.id}/dissolve"' in html) == manager
    assert (f'href="/orgs/{world.county_org.id}/admins"' in html) == manager


def test_show_fragment(client, auth, world, cadre):
    auth.login(cadre)
    r = client.get(f"/orgs/{world.branch.id}", headers=HX)
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "<html" not in html
    assert "模范街社区团支部" in html
    assert "HX-Request" in r.headers["Vary"]


def test_show_unknown_is_404(client, auth, cadre):
    auth.login(cadre)
    assert client.get("/orgs/424242").status_code == 404


def test_current_and_former_cadres(client, auth, world, cadre):
    make_person(
        name="钱前任", positions=[(world.branch, "书记", date(2015, 1, 1), date(2020, 12, 31))]
    )
    auth.login(cadre)
    html = client.get(f"/orgs/{world.branch.id}").get_data(as_text=True)
    current, former = html.split('<details class="former">')
    assert "张彤" in current and "钱前任" not in current
    assert "钱前任" in former and "2015-01-01 – 2020-12-31" in former
    assert "往任团干部（1）" in former


def test_cadre_contacts_follow_the_profile_predicate(client, auth, world, cadre, outsider):
    make_person(
        name="孙公开",
        phone="+8613900139000",
        phone_visibility=Visibility.SIGNED_IN,
        wechat="sun-open",
        wechat_visibility=Visibility.ADMINS,
        positions=[(world.branch, "委员", date(2022, 1, 1), None)],
    )
    # 张彤's phone is SHARED (the default): colleagues in the branch see it, Chengdu does not.
    auth.login(outsider)
    html = client.get(f"/orgs/{world.branch.id}").get_data(as_text=True)
    assert "+8613900139000" in html  # signed-in visibility
    assert "+8613800138000" not in html
    assert "sun-open" not in html
    auth.logout()
    colleague = make_person(
        name="同支部", positions=[(world.branch, "委员", date(2023, 1, 1), None)]
    )
    auth.login(colleague)
    html = client.get(f"/orgs/{world.branch.id}").get_data(as_text=True)
    assert "+8613800138000" in html
    assert "sun-open" not in html  # admins only


def test_cadre_contacts_visible_to_org_admin(client, auth, world, cadre, org_admin):
    make_person(
        name="周保密",
        wechat="zhou-secret",
        wechat_visibility=Visibility.ADMINS,
        membership_org_id=world.branch.id,
        positions=[(world.branch, "委员", date(2022, 1, 1), None)],
    )
    auth.login(org_admin)  # admin of the county: administers the branch's members
    html = client.get(f"/orgs/{world.branch.id}").get_data(as_text=True)
    assert "zhou-secret" in html


def test_roster_visible_with_contacts_only_to_admins(
    client, auth, world, cadre, org_admin, admin, outsider
):
    make_person(
        name="团员甲",
        email="member-a@example.org",
        email_visibility=Visibility.ADMINS,
        membership_org_id=world.branch.id,
    )
    url = f"/orgs/{world.branch.id}"
    for viewer in (org_admin, admin):
        auth.login(viewer)
        html = client.get(url).get_data(as_text=True)
        roster = html.split('id="roster-h"')[1]
        assert "团员甲" in roster and "member-a@example.org" in roster
        assert "张彤" in roster
        auth.logout()
    for viewer in (cadre, outsider):
        auth.login(viewer)
        html = client.get(url).get_data(as_text=True)
        roster = html.split('id="roster-h"')[1]
        assert "团员甲" not in roster
        assert "member-a@example.org" not in html
        assert "共有 2 人的组织关系在本组织" in roster
        auth.logout()


def test_sibling_admin_sees_no_roster(client, auth, world, cadre):
    chengdu_admin = make_person(name="成都管理员", admin_of=[world.chengdu_org])
    auth.login(chengdu_admin)
    html = client.get(f"/orgs/{world.branch.id}").get_data(as_text=True)
    assert "名册仅对本组织的管理员可见" in html
    assert f'href="/orgs/{world.branch.id}/edit"' not in html


def test_dissolved_state_is_shown(client, auth, world, admin):
    from datetime import datetime

    world.chengdu_org.dissolved_at = datetime(2024, 5, 1)
    db.session.commit()
    auth.login(admin)
    html = client.get(f"/orgs/{world.chengdu_org.id}").get_data(as_text=True)
    assert "该团组织已于 2024-05-01 撤销" in html
    assert f'href="/orgs/{world.chengdu_org.id}/edit"' not in html
    tree = client.get(f"/orgs/{world.province_org.id}/children", headers=HX).get_data(as_text=True)
    assert "已撤销" in tree


def test_org_page_links_its_region(client, auth, world, cadre):
    auth.login(cadre)
    html = client.get(f"/orgs/{world.county_org.id}").get_data(as_text=True)
    assert 'href="/regions/511302"' in html


def test_lookup_fragment(client, auth, world, cadre):
    auth.login(cadre)
    r = client.get("/orgs/lookup", query_string={"q": "南充"}, headers=HX)
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    # The one picker's options: the name, told apart by the organisations above it.
    assert (
        f'<li role="option" data-value="{world.city_org.id}" data-label="共青团南充市委">'
        '共青团南充市委 <small class="muted">共青团四川省委</small></li>' in html
    )
    assert "成都" not in html
    assert "HX-Request" in r.headers["Vary"]
    for q in ("", " ", None):
        r = client.get("/orgs/lookup", query_string={"q": q} if q is not None else {})
        assert r.status_code == 200
        assert r.get_data(as_text=True).strip() == ""


def test_lookup_escapes_and_skips_dissolved(client, auth, world, cadre):
    from datetime import datetime

    make_org('<b>"坏"支部</b>', world.street_region, world.street_org)
    gone = make_org("已撤支部", world.street_region, world.street_org)
    gone.dissolved_at = datetime(2024, 1, 1)
    db.session.commit()
    auth.login(cadre)
    html = client.get("/orgs/lookup?q=支部").get_data(as_text=True)
    assert "<b>" not in html and "&lt;b&gt;" in html
    assert "已撤支部" not in html
    assert "data-value" not in client.get("/orgs/lookup?q=%25").get_data(as_text=True)


def test_english_catalogue(client, auth, world, cadre):
    auth.login(cadre)
    # Test requests share the test's app context, where Flask-Babel caches the locale.
    flask_babel.refresh()
    html = client.get(f"/orgs/{world.branch.id}?lang=en").get_data(as_text=True)
    assert "Current cadres" in html and "Roster" in html
    assert "现任团干部" not in html
