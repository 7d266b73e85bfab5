"""The statistics and audit pages in Chromium, at phone and desktop sizes: charts drawn by
the vendored ECharts under the CSP (no console errors), tables beside them, axe clean."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from directory.core.enums import CadreKind
from tests.factories import make_person

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_statistics_and_audit_as_an_org_admin(journey, world, cadre, org_admin, size) -> None:  # type: ignore[no-untyped-def]
    make_person(
        name="统计甲", membership_org_id=world.street_org.id, birth_year=1996,
        cadre_kind=CadreKind.PART_TIME,
        positions=[(world.street_org, "书记", date(2022, 1, 1), None)],
    )  # fmt: skip
    j = journey(org_admin, size)
    me = j.page
    me.goto("/rosters/")
    me.get_by_role("link", name="统计与数据质量").click()
    expect(me.get_by_role("heading", name="统计：共青团顺庆区委")).to_be_visible()
    expect(me.locator(".chart[data-table=table-kind] canvas")).to_have_count(1)
    expect(me.locator("#table-kind")).to_contain_text("兼职")
    expect(me.locator(".tilemap .tile")).to_have_count(2)
    j.step("statistics")
    me.get_by_role("link", name="没有书记的团组织").click()
    expect(me.get_by_role("heading", name="没有书记的团组织")).to_be_visible()
    expect(me.get_by_role("link", name="共青团顺庆区委", exact=True)).to_be_visible()
    j.step("quality list")
    me.goto("/audit/")
    expect(me.get_by_role("cell", name="登录").first).to_be_visible()
    # The filters are a card of fields with an ordinary button below them (Pico's search
    # styling made the button a pill as tall as the form, beside the fields).
    button = me.get_by_role("button", name="筛选").bounding_box()
    fields = me.locator("form.filters .grid2").bounding_box()
    assert button is not None and fields is not None
    assert button["height"] < 60 and button["y"] >= fields["y"] + fields["height"], button
    me.get_by_label("操作", exact=True).select_option(label="登录")
    me.get_by_role("button", name="筛选").click()
    expect(me.get_by_role("cell", name="李明").first).to_be_visible()
    j.step("audit log")
    j.finish()


def _sichuan(world) -> None:  # type: ignore[no-untyped-def]
    """Every prefecture of Sichuan under the world's province (the world has two)."""
    import csv
    import gzip

    from directory.extensions import db
    from directory.regions.models import Region, RegionLevel
    from directory.regions.services import DEFAULT_FILE

    have = {world.nanchong.code, world.chengdu.code}
    with gzip.open(DEFAULT_FILE, "rt", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            if row["parent_code"] == "51" and row["code"] not in have:
                db.session.add(
                    Region(code=row["code"], name=row["name"], level=RegionLevel.CITY,
                           parent=world.sichuan)
                )  # fmt: skip
    db.session.commit()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_tile_map_places_the_prefectures_and_drills_down(
    journey, world, cadre, admin, size
) -> None:  # type: ignore[no-untyped-def]
    _sichuan(world)
    make_person(name="成都甲", membership_org_id=world.chengdu_org.id, birth_year=1995)
    j = journey(admin, size)
    me = j.page
    me.goto(f"/stats/orgs/{world.province_org.id}")
    expect(me.locator(".tilemap.placed .tile")).to_have_count(21)
    j.step("tile map of a province")
    me.locator(".tilemap a.tile", has_text="南充市").click()
    expect(me.get_by_role("heading", name="统计：共青团南充市委")).to_be_visible()
    me.go_back()
    me.locator("#table-region").get_by_role("link", name="成都市").click()
    expect(me.get_by_role("heading", name="统计：共青团成都市委")).to_be_visible()
    j.finish()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_registered_geojson_map_is_drawn_and_clickable(
    app, journey, world, cadre, admin, size, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from tests.stats.test_tiles import synthetic_geojson

    synthetic_geojson(tmp_path, "51", {"5101": (103.0, 30.0), "5113": (105.0, 30.0)})
    app.config["STATS_GEOJSON_DIR"] = str(tmp_path)
    make_person(name="成都甲", membership_org_id=world.chengdu_org.id, birth_year=1995)
    try:
        j = journey(admin, size)
        me = j.page
        me.goto(f"/stats/orgs/{world.province_org.id}")
        chart = me.locator(".geomap[data-drawn] canvas")
        expect(chart).to_have_count(1)
        expect(me.locator(".tilemap")).to_be_hidden()
        expect(me.locator("#table-region")).to_contain_text("成都市")
        j.step("registered map")
        me.locator(".geomap").scroll_into_view_if_needed()
        box = me.locator(".geomap").bounding_box()  # in the viewport: scrolled to first
        assert box is not None
        # The middle of 成都市's square, in the chart's pixels (ECharts' own projection).
        x, y = me.evaluate(
            "() => echarts.getInstanceByDom(document.querySelector('.geomap'))"
            ".convertToPixel({seriesIndex: 0}, [103.5, 30.3])"
        )
        me.mouse.click(box["x"] + x, box["y"] + y)
        expect(me.get_by_role("heading", name="统计：共青团成都市委")).to_be_visible()
        j.finish()
    finally:
        app.config["STATS_GEOJSON_DIR"] = ""
