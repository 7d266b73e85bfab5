"""System-admin edits: add a village, rename, merge — and everything they must refuse."""

from __future__ import annotations

import pytest
from sqlalchemy import delete as sa_delete
from sqlalchemy import func, select

from directory.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from directory.extensions import db
from directory.groups import services as groups
from directory.groups.models import Group
from directory.orgs.models import Organisation
from directory.regions import editing as regions
from directory.regions.models import Region
from directory.web.links import offline_request
from tests.factories import make_org, make_region

HX = {"HX-Request": "true"}


def region(code: str) -> Region | None:
    db.session.expire_all()
    return db.session.scalar(select(Region).where(Region.code == code))


def region_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Region))


@pytest.mark.parametrize(
    "url",
    ["/regions/5113/rename", "/regions/511302001/villages", "/regions/5101/merge"],
)
def test_cadres_and_org_admins_are_refused(client, auth, cadre, org_admin, world, url):
    before = region_count()
    for person in (cadre, org_admin):
        auth.login(person)
        r = client.post(url, data={"name": "新名", "target": "5113", "confirm": "y"})
        assert r.status_code == 403
        auth.logout()
    assert client.post(url, data={"name": "新名"}).status_code == 302  # anonymous → login
    assert region_count() == before and region("5113").name == "南充市"


def test_admin_sees_forms_and_cadre_does_not(client, auth, admin, cadre, world):
    auth.login(admin)
    town = client.get("/regions/511302001").get_data(as_text=True)
    assert 'action="/regions/511302001/rename"' in town
    assert 'action="/regions/511302001/villages"' in town
    assert 'action="/regions/511302001/merge"' in town
    # The merge picker offers levels down to the region's own level only.
    assert town.count('<select name="target"') == 4
    city = client.get("/regions/5113").get_data(as_text=True)
    assert "/villages" not in city and city.count('<select name="target"') == 2
    frag = client.get("/regions/5113", headers={**HX, "HX-Target": "region-admin"})
    assert frag.get_data(as_text=True).lstrip().startswith('<section id="region-admin"')
    auth.logout()
    auth.login(cadre)
    frag = client.get("/regions/5113", headers={**HX, "HX-Target": "region-admin"})
    assert frag.status_code == 200 and "region-admin" not in frag.get_data(as_text=True)


def test_rename(client, auth, admin, world, caplog):
    auth.login(admin)
    caplog.set_level("INFO", logger="directory.regions.editing")
    r = client.post("/regions/5113/rename", data={"name": "  南充市（新） "})
    assert r.status_code == 303 and r.headers["Location"].endswith("/regions/5113")
    assert region("5113").name == "南充市（新）"
    assert "renamed region 5113" in caplog.text
    page = client.get("/regions/5113").get_data(as_text=True)
    assert "已更名为“南充市（新）”" in page


def test_rename_with_htmx_redirects_the_page(client, auth, admin, world):
    auth.login(admin)
    r = client.post("/regions/5113/rename", data={"name": "新南充"}, headers=HX)
    assert r.status_code == 204 and r.headers["HX-Redirect"] == "/regions/5113"
    assert region("5113").name == "新南充"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "请填写名称"),
        ("   ", "请填写名称"),
        ("长" * 61, "不能超过 60 个字"),
        ("成都市", "已有名为"),
    ],
)
def test_rename_bad_input(client, auth, admin, world, name, message):
    auth.login(admin)
    r = client.post("/regions/5113/rename", data={"name": name})
    assert r.status_code == 422 and message in r.get_data(as_text=True)
    assert "<html" in r.get_data(as_text=True)
    frag = client.post("/regions/5113/rename", data={"name": name}, headers=HX)
    body = frag.get_data(as_text=True)
    assert frag.status_code == 422 and body.lstrip().startswith('<section id="region-admin"')
    assert message in body and "HX-Request" in frag.headers["Vary"]
    assert region("5113").name == "南充市"


def test_rename_unknown_region_is_404(client, auth, admin, world):
    auth.login(admin)
    r = client.post("/regions/5188/rename", data={"name": "某市"})
    assert r.status_code == 404 and "地区代码不存在" in r.get_data(as_text=True)


def test_add_village_allocates_codes(client, auth, admin, world):
    auth.login(admin)
    r = client.post("/regions/511302001/villages", data={"name": "模范街社区"})
    assert r.status_code == 303
    village = region("511302001001")
    assert village.name == "模范街社区" and village.level.value == "village"
    assert village.parent_id == world.street_region.id
    client.post("/regions/511302001/villages", data={"name": "北湖社区", "code": "511302001120"})
    client.post("/regions/511302001/villages", data={"name": "西山村"})
    assert region("511302001121").name == "西山村"  # max + 1
    page = client.get("/regions/511302001121").get_data(as_text=True)
    assert "中城街道" in page and "村级" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": ""}, "请填写名称"),
        ({"name": "村" * 61}, "不能超过 60 个字"),
        ({"name": "新村", "code": "51130200100"}, "12 位数字"),
        ({"name": "新村", "code": "5113020010x1"}, "12 位数字"),
        ({"name": "新村", "code": "511302002001"}, "必须以上级代码 511302001 开头"),
        ({"name": "新村", "code": "511302001000"}, "末三位不能为 000"),
        ({"name": "新村", "code": "511302001001"}, "已被使用"),
        ({"name": "旧社区"}, "已有名为"),
        ({"name": "坏\u200b名"}, "无效字符"),
    ],
)
def test_add_village_bad_input(client, auth, admin, world, data, message):
    make_region("511302001001", "旧社区", world.street_region)
    db.session.commit()
    auth.login(admin)
    before = region_count()
    r = client.post("/regions/511302001/villages", data=data)
    assert r.status_code == 422, r.get_data(as_text=True)
    assert message in r.get_data(as_text=True)
    assert region_count() == before


def test_add_village_only_under_townships(app, client, auth, admin, world):
    auth.login(admin)
    r = client.post("/regions/511302/villages", data={"name": "新村"})
    assert r.status_code == 422 and "只能添加在乡级区划" in r.get_data(as_text=True)
    with app.test_request_context():
        with pytest.raises(ValidationError):
            regions.add_village(admin, "5113", "新村")
        with pytest.raises(PermissionDenied):
            regions.add_village(None, "511302001", "新村")


@pytest.fixture
def merge_world(world):
    """Two counties under Nanchong; the source has townships, villages and organisations."""
    gaoping = make_region("511303", "高坪区", world.nanchong)
    a1 = make_region("511303001", "白塔街道", gaoping)
    make_region("511303002", "清溪街道", gaoping)
    a1v = make_region("511303001001", "白塔社区", a1)
    make_region("511302002", "舞凤街道", world.shunqing)
    county_org = make_org("共青团高坪区委", gaoping, world.city_org, "county")
    town_org = make_org("白塔街道团工委", a1, county_org, "township")
    db.session.commit()
    return {"source": gaoping, "a1v": a1v, "county_org": county_org, "town_org": town_org}


def test_merge_moves_everything_and_recodes(client, auth, admin, world, merge_world, caplog):
    auth.login(admin)
    caplog.set_level("INFO", logger="directory.regions.editing")
    ids = {c: region(c).id for c in ("511303001", "511303002", "511303001001")}
    r = client.post(
        "/regions/511303/merge", data={"target": ["51", "5113", "511302"], "confirm": "y"}
    )
    assert r.status_code == 303 and r.headers["Location"].endswith("/regions/511302")
    assert region("511303") is None
    db.session.expire_all()
    assert db.session.get(Organisation, merge_world["county_org"].id).region_id == world.shunqing.id
    # 001 and 002 are taken under Shunqing: the next free suffixes are allocated.
    moved = {r.id: r for r in db.session.scalars(select(Region).where(Region.id.in_(ids.values())))}
    assert moved[ids["511303001"]].code == "511302003"
    assert moved[ids["511303002"]].code == "511302004"
    assert moved[ids["511303001"]].parent_id == world.shunqing.id
    # The grandchild keeps its parent and suffix under the new prefix.
    assert moved[ids["511303001001"]].code == "511302003001"
    assert moved[ids["511303001001"]].parent_id == ids["511303001"]
    # The organisation in the moved township stays with it.
    town_org = db.session.get(Organisation, merge_world["town_org"].id)
    assert town_org.region_id == ids["511303001"]
    assert "merged region 511303 高坪区 into 511302 顺庆区" in caplog.text
    page = client.get("/regions/511302").get_data(as_text=True)
    assert "已将“高坪区”并入“顺庆区”" in page and "白塔街道" in page


def test_merge_moves_the_groups_placed_in_the_region(app, admin, world, merge_world):
    """A group's region follows a merge (before, deleting the region left it with none)."""
    with offline_request():
        group = groups.create_group(
            admin, groups.GroupInput(name="高坪青年群", region_id=merge_world["source"].id)
        )
    db.session.commit()
    regions.merge_regions(admin, "511303", "511302")
    db.session.expire_all()
    assert db.session.get(Group, group.id).region_id == world.shunqing.id


def test_merge_keeps_free_suffixes(app, admin, world):
    a = make_region("5119", "巴中市", world.sichuan)
    make_region("511902", "巴州区", a)
    make_region("511999", "某县", a)
    db.session.commit()
    regions.merge_regions(admin, "5119", "5101")
    assert region("510102").name == "巴州区" and region("510199").name == "某县"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ([], "请选择要并入的地区"),
        (["51", "5113", "511303"], "合并到它自己"),
        (["51", "5113"], "只能合并同一级别的地区"),
        (["51", "5113", "511399"], "地区代码不存在"),
    ],
)
def test_merge_bad_input(client, auth, admin, world, merge_world, target, message):
    auth.login(admin)
    before = region_count()
    r = client.post("/regions/511303/merge", data={"target": target, "confirm": "y"})
    assert r.status_code == 422 and message in r.get_data(as_text=True)
    assert region_count() == before and region("511303") is not None
    db.session.expire_all()
    assert (
        db.session.get(Organisation, merge_world["county_org"].id).region_id
        == merge_world["source"].id
    )


def test_merge_needs_confirmation(client, auth, admin, world, merge_world):
    auth.login(admin)
    r = client.post("/regions/511303/merge", data={"target": ["51", "5113", "511302"]}, headers=HX)
    assert r.status_code == 422 and "请勾选确认" in r.get_data(as_text=True)
    assert region("511303") is not None


def test_merge_into_descendant_and_unknown_source(app, admin, world):
    with app.test_request_context():
        with pytest.raises(ValidationError, match="下级地区"):
            regions.merge_regions(admin, "51", "5113")
        with pytest.raises(NotFound):
            regions.merge_regions(admin, "5177", "5113")
        with pytest.raises(PermissionDenied):
            regions.merge_regions(None, "5101", "5113")
    assert region("51") is not None and region("5101") is not None


def test_merge_picker_refine_without_javascript(client, auth, admin, world, merge_world):
    auth.login(admin)
    r = client.post(
        "/regions/511303/merge", data={"target": ["51", ""], "region_picker_refine": "target"}
    )
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and region("511303") is not None
    picker = page[page.index('id="target-picker"') :]
    assert '<option value="5113">' in picker and 'value="51" selected' in picker
    assert "请勾选确认" not in page


def test_concurrent_code_allocation_is_a_conflict(app, admin, world, monkeypatch):
    """Another admin took the allocated code between our check and our insert."""
    make_region("511302001001", "旧社区", world.street_region)
    db.session.commit()
    monkeypatch.setattr(regions, "next_free_code", lambda parent, taken: "511302001001")
    before = region_count()
    with app.test_request_context(), pytest.raises(Conflict) as err:
        regions.add_village(admin, "511302001", "新社区")
    assert err.value.status == 409 and "请刷新后重试" in err.value.message
    assert region_count() == before


def test_merge_without_free_codes_changes_nothing(app, admin, world, merge_world, monkeypatch):
    def full(parent: str, taken: set[str]) -> str:
        raise ValidationError("没有可用的代码")

    monkeypatch.setattr(regions, "next_free_code", full)
    with app.test_request_context(), pytest.raises(ValidationError):
        regions.merge_regions(admin, "511303", "511302")
    assert (
        region("511303") is not None and region("511303001").parent_id == merge_world["source"].id
    )
    assert (
        db.session.get(Organisation, merge_world["county_org"].id).region_id
        == merge_world["source"].id
    )


def test_next_free_code_fills_gaps_when_full():
    taken = {f"511302001{n:03d}" for n in range(1, 1000) if n != 7}
    assert regions.next_free_code("511302001", taken) == "511302001007"
    with pytest.raises(ValidationError):
        regions.next_free_code("511302001", taken | {"511302001007"})


@pytest.fixture
def no_auto_drain(app_config):
    """Keep the search outbox rows after commit, so the test can read them."""
    app_config["SEARCH_AUTO_DRAIN"] = False
    return app_config


def test_merge_queues_search_reindexing(no_auto_drain, app, admin, world, merge_world):
    from directory.search.models import SearchOutbox

    db.session.execute(sa_delete(SearchOutbox))
    db.session.commit()
    moved_town = region("511303001").id
    with app.test_request_context():
        regions.merge_regions(admin, "511303", "511302")
    queued = {(o.source, o.key) for o in db.session.scalars(select(SearchOutbox))}
    assert ("org", merge_world["county_org"].id) in queued  # moved organisation
    assert ("region", moved_town) in queued  # recoded region (its organisations' people)
