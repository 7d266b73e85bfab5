"""Managing the tree through the web: permissions, forms, htmx answers, bad input."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from directory.extensions import db
from directory.orgs.models import Organisation
from directory.people.models import OrgAdmin
from directory.regions.picker import REFINE_BUTTON
from tests.factories import make_org, make_person
from tests.orgs.conftest import HX


def _count_orgs() -> int:
    return db.session.scalar(select(func.count()).select_from(Organisation))


def _new_child(client, parent_id, headers=None, **overrides):
    data = {
        "name": "新建社区团支部",
        "level": "branch",
        "sector": "community",
        "region_code": "511302001",
    }
    data.update(overrides)
    return client.post(f"/orgs/{parent_id}/new", data=data, headers=headers or {})


def test_org_admin_creates_child_below_own_subtree(client, auth, world, org_admin):
    auth.login(org_admin)
    page = client.get(f"/orgs/{world.street_org.id}/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="region_code"' in html
    assert 'value="branch"' in html and 'value="county"' not in html  # only lower levels
    r = _new_child(client, world.street_org.id)
    assert r.status_code == 303
    org = db.session.scalar(select(Organisation).where(Organisation.name == "新建社区团支部"))
    assert r.headers["Location"].endswith(f"/orgs/{org.id}")
    assert org.parent_id == world.street_org.id
    assert org.path == f"{world.street_org.path}{org.id}/"
    assert org.region.code == "511302001"
    assert org.sector.value == "community"


def test_create_child_with_htmx_redirects(client, auth, world, org_admin):
    auth.login(org_admin)
    r = _new_child(client, world.county_org.id, headers=HX, level="township", name="新街道团工委")
    assert r.status_code == 204
    org = db.session.scalar(select(Organisation).where(Organisation.name == "新街道团工委"))
    assert r.headers["HX-Redirect"] == f"/orgs/{org.id}"


def test_form_fragment(client, auth, world, org_admin):
    auth.login(org_admin)
    r = client.get(f"/orgs/{world.county_org.id}/new", headers=HX)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "<html" not in html and 'id="org-form"' in html
    assert "HX-Request" in r.headers["Vary"]


@pytest.mark.parametrize(
    ("url", "method"),
    [
        ("/orgs/{county}/new", "get"),
        ("/orgs/{county}/new", "post"),
        ("/orgs/{county}/edit", "get"),
        ("/orgs/{county}/edit", "post"),
        ("/orgs/{county}/dissolve", "get"),
        ("/orgs/{county}/dissolve", "post"),
        ("/orgs/{county}/admins", "get"),
        ("/orgs/{county}/admins", "post"),
        ("/orgs/{county}/admins/{admin_id}/remove", "post"),
        ("/orgs/new", "get"),
        ("/orgs/new", "post"),
    ],
)
@pytest.mark.parametrize("persona", ["cadre", "outsider", "sibling_admin"])
def test_management_is_refused_to_others(
    client, auth, world, org_admin, cadre, outsider, persona, url, method
):
    viewer = {
        "cadre": cadre,
        "outsider": outsider,
        "sibling_admin": make_person(name="成都管理员", admin_of=[world.chengdu_org]),
    }[persona]
    before = (_count_orgs(), db.session.scalar(select(func.count()).select_from(OrgAdmin)))
    auth.login(viewer)
    target = url.format(county=world.county_org.id, admin_id=org_admin.id)
    data = {"name": "越权组织", "level": "township", "region_code": "511302", "email": viewer.email}
    r = client.get(target) if method == "get" else client.post(target, data=data)
    assert r.status_code == 403
    expected = (
        "只有系统管理员可以创建顶级团组织" if url == "/orgs/new" else "你没有管理该团组织的权限"
    )
    assert expected in r.get_data(as_text=True)
    db.session.expire_all()
    after = (_count_orgs(), db.session.scalar(select(func.count()).select_from(OrgAdmin)))
    assert after == before
    assert world.county_org.dissolved_at is None and world.county_org.name == "共青团顺庆区委"


def test_anonymous_management_goes_to_login(client, world):
    for url in (
        f"/orgs/{world.county_org.id}/new",
        f"/orgs/{world.county_org.id}/edit",
        "/orgs/new",
    ):
        assert client.get(url).status_code == 302
        assert client.post(url, data={"name": "x"}).status_code == 302


def test_ancestor_admin_may_manage_descendants(client, auth, world, org_admin):
    auth.login(org_admin)
    assert client.get(f"/orgs/{world.branch.id}/edit").status_code == 200
    assert client.get(f"/orgs/{world.city_org.id}/edit").status_code == 403  # above them


def test_top_level_creation_by_system_admin(client, auth, world, admin):
    auth.login(admin)
    assert client.get("/orgs/new").status_code == 200
    r = client.post(
        "/orgs/new",
        data={"name": "共青团重庆市委", "level": "province", "sector": "", "region_code": "5101"},
    )
    assert r.status_code == 303
    org = db.session.scalar(select(Organisation).where(Organisation.name == "共青团重庆市委"))
    assert org.parent_id is None and org.path == f"/{org.id}/" and org.sector is None


BAD_CHILD_INPUT = [
    ({"name": ""}, "请填写名称"),
    ({"name": "甲"}, "名称需要 2 到 100 个字符"),
    ({"name": "团" * 101}, "名称需要 2 到 100 个字符"),
    ({"name": "坏\x01名字"}, "包含无效字符"),
    ({"name": "中城街道团工委", "level": "township"}, "同一上级下已有名为"),
    ({"level": "county"}, "下级组织的层级必须低于上级"),
    ({"level": "city"}, "下级组织的层级必须低于上级"),
    ({"level": "galaxy"}, "请选择有效的组织层级"),
    ({"sector": "mars"}, "请选择有效的领域"),
    ({"region_code": ""}, "请选择所在地区"),
    ({"region_code": "999999"}, "行政区划代码“999999”不存在"),
    ({"region_code": "abc"}, "行政区划代码“abc”不存在"),
    ({"region_code": "5" * 13}, "行政区划代码“5555555555555”不存在"),
]


@pytest.mark.parametrize(("overrides", "message"), BAD_CHILD_INPUT)
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_child_input_is_422_and_writes_nothing(
    client, auth, world, org_admin, overrides, message, htmx
):
    auth.login(org_admin)
    before = _count_orgs()
    r = _new_child(
        client,
        world.county_org.id,
        headers=HX if htmx else None,
        **{"level": "township", **overrides},
    )
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert message in html
    assert ("<html" in html) != htmx
    assert _count_orgs() == before


def test_branch_cannot_have_children(client, auth, world, org_admin):
    auth.login(org_admin)
    page = client.get(f"/orgs/{world.branch.id}/new").get_data(as_text=True)
    assert "团支部是最低一级" in page
    r = _new_child(client, world.branch.id, level="branch")
    assert r.status_code == 422
    assert "下级组织的层级必须低于上级" in r.get_data(as_text=True)


def test_same_name_allowed_under_another_parent(client, auth, world, admin):
    auth.login(admin)
    r = _new_child(
        client, world.chengdu_org.id, level="township", name="中城街道团工委", region_code="5101"
    )
    assert r.status_code == 303


def test_unknown_parent_is_404(client, auth, admin):
    auth.login(admin)
    assert client.get("/orgs/98765/new").status_code == 404
    assert _new_child(client, 98765).status_code == 404


def test_edit_name_sector_region(client, auth, world, org_admin):
    auth.login(org_admin)
    page = client.get(f"/orgs/{world.branch.id}/edit").get_data(as_text=True)
    assert 'value="模范街社区团支部"' in page and 'value="511302001"' in page
    assert 'name="level"' not in page
    r = client.post(
        f"/orgs/{world.branch.id}/edit",
        data={"name": "模范街社区团总支", "sector": "", "region_code": "511302"},
    )
    assert r.status_code == 303
    db.session.expire_all()
    assert world.branch.name == "模范街社区团总支"
    assert world.branch.sector is None
    assert world.branch.region.code == "511302"
    assert world.branch.path == f"{world.street_org.path}{world.branch.id}/"


def test_edit_keeping_own_name_is_fine_but_sibling_name_is_not(client, auth, world, admin):
    auth.login(admin)
    ok = client.post(
        f"/orgs/{world.city_org.id}/edit",
        data={"name": "共青团南充市委", "sector": "government", "region_code": "5113"},
    )
    assert ok.status_code == 303
    clash = client.post(
        f"/orgs/{world.city_org.id}/edit",
        headers=HX,
        data={"name": "共青团成都市委", "sector": "", "region_code": "5113"},
    )
    assert clash.status_code == 422
    assert "同一上级下已有名为" in clash.get_data(as_text=True)
    db.session.expire_all()
    assert world.city_org.name == "共青团南充市委"


def test_dissolve_refused_with_live_children(client, auth, world, org_admin):
    auth.login(org_admin)
    page = client.get(f"/orgs/{world.street_org.id}/dissolve")
    assert page.status_code == 200 and "确认撤销" in page.get_data(as_text=True)
    r = client.post(f"/orgs/{world.street_org.id}/dissolve")
    assert r.status_code == 422
    assert "还有 1 个未撤销的下级组织" in r.get_data(as_text=True)
    db.session.expire_all()
    assert world.street_org.dissolved_at is None


def test_dissolve_refused_with_current_cadres(client, auth, world, cadre, org_admin):
    auth.login(org_admin)
    r = client.post(f"/orgs/{world.branch.id}/dissolve", headers=HX)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "还有 1 名现任团干部" in html and "<html" not in html
    db.session.expire_all()
    assert world.branch.dissolved_at is None


def test_dissolve_then_no_more_changes(client, auth, world, org_admin):
    empty = make_org("空支部", world.street_region, world.street_org)
    make_person(name="老书记", positions=[(empty, "书记", date(2010, 1, 1), date(2015, 1, 1))])
    db.session.commit()
    auth.login(org_admin)
    r = client.post(f"/orgs/{empty.id}/dissolve")
    assert r.status_code == 303
    db.session.expire_all()
    assert empty.dissolved_at is not None
    again = client.post(f"/orgs/{empty.id}/dissolve")
    assert again.status_code == 409
    assert "已撤销" in again.get_data(as_text=True)
    assert client.get(f"/orgs/{empty.id}/dissolve").status_code == 409
    assert client.get(f"/orgs/{empty.id}/edit").status_code == 409
    assert (
        client.post(
            f"/orgs/{empty.id}/edit", data={"name": "复活", "region_code": "51"}
        ).status_code
        == 409
    )
    assert client.get(f"/orgs/{empty.id}/new").status_code == 409
    # A dissolved child no longer blocks dissolving its parent... once the cadres are gone.
    r = client.post(f"/orgs/{world.street_org.id}/dissolve")
    assert "还有 1 个未撤销的下级组织" in r.get_data(as_text=True)  # the branch is still live


def test_dissolve_with_htmx_redirects(client, auth, world, admin):
    auth.login(admin)
    leaf = make_org("待撤支部", world.street_region, world.street_org)
    db.session.commit()
    r = client.post(f"/orgs/{leaf.id}/dissolve", headers=HX)
    assert r.status_code == 204 and r.headers["HX-Redirect"] == f"/orgs/{leaf.id}"


def test_region_picker_values(client, auth, world, org_admin):
    auth.login(org_admin)
    page = client.get(f"/orgs/{world.street_org.id}/edit").get_data(as_text=True)
    assert 'class="region-picker' in page and '<option value="511302001" selected' in page
    base = {"name": "中城街道团工委", "sector": ""}
    # The browser sends one value per level; the deepest consistent one wins.
    r = client.post(
        f"/orgs/{world.street_org.id}/edit",
        data={**base, "region_code": ["51", "5113", "511302", ""]},
    )
    assert r.status_code == 303
    db.session.expire_all()
    assert world.street_org.region.code == "511302"
    # Without JavaScript, "show the next level" re-shows the form and saves nothing.
    r = client.post(
        f"/orgs/{world.street_org.id}/edit",
        data={
            **base,
            "name": "改了名",
            "region_code": ["51", "5113"],
            REFINE_BUTTON: "region_code",
        },
    )
    assert r.status_code == 200
    assert 'value="改了名"' in r.get_data(as_text=True)
    db.session.expire_all()
    assert world.street_org.name == "中城街道团工委"
