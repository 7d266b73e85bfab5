"""The tile map: every province and prefecture has a place, prefectures sit within their
province where they lie, tiles link down; a deployment's own GeoJSON (made here, small and
synthetic) is served to org admins only and switches the page to the map build."""

from __future__ import annotations

import csv
import gzip
import json
from collections import defaultdict
from pathlib import Path

from directory.regions.services import DEFAULT_FILE
from directory.stats.tiles import PROVINCE_TILES, places, tile_map


def _codes() -> dict[str, str]:
    with gzip.open(DEFAULT_FILE, "rt", encoding="utf-8") as f:
        return {r["code"]: r["name"] for r in csv.DictReader(f, delimiter="\t")}


def test_every_province_and_prefecture_has_its_own_place() -> None:
    codes, known = _codes(), places()
    for code in codes:
        if len(code) in (2, 4):
            assert code in known, (code, codes[code])
    by_parent: dict[str, set[tuple[int, int]]] = defaultdict(set)
    for code, spot in known.items():
        parent = code[:-2] if len(code) > 2 else ""
        assert spot not in by_parent[parent], code  # one area per cell
        by_parent[parent].add(spot)
    assert len(set(PROVINCE_TILES.values())) == len(PROVINCE_TILES) == 34


def test_places_follow_the_geography() -> None:
    p = places()
    row, col = 0, 1
    assert p["5101"][col] < p["5113"][col]  # 成都 west of 南充
    assert p["5104"][row] > p["5101"][row]  # 攀枝花 south of 成都
    assert p["4403"][row] > p["4402"][row]  # 深圳 south of 韶关
    assert p["1304"][row] > p["1301"][row]  # 邯郸 south of 石家庄
    assert p["6531"][col] < p["6501"][col]  # 喀什 west of 乌鲁木齐
    assert p["23"][row] < p["44"][row] and p["65"][col] < p["31"][col]


def test_a_tile_map_places_counts_and_links() -> None:
    areas = [("5101", "成都市"), ("5104", "攀枝花市"), ("5113", "南充市"), ("5199", "新区")]
    result = tile_map(areas, {"5101": 10, "5113": 1}, {"5113": "/stats/orgs/7"})
    assert result.placed
    tiles = {t.code: t for t in result.tiles}
    assert tiles["5101"].heat == 5 and tiles["5113"].heat == 1 and tiles["5104"].heat == 0
    assert tiles["5113"].url == "/stats/orgs/7" and tiles["5101"].url is None
    # Only the rows and columns in use; the area without a place comes after them.
    placed = [t for t in result.tiles if t.code != "5199"]
    assert min(t.col or 0 for t in placed) == 1 and min(t.row or 0 for t in placed) == 1
    assert (tiles["5199"].row or 0) > max(t.row or 0 for t in placed)
    assert tile_map([("511302001", "街道")], {}, {}).placed is False


def _square(x: float, y: float) -> list[list[list[float]]]:
    return [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]]


def synthetic_geojson(folder: Path, code: str, areas: dict[str, tuple[float, float]]) -> None:
    """A made-up map: one square per area, named by its division code (as DataV's are)."""
    features = [
        {
            "type": "Feature",
            "properties": {"adcode": int(area.ljust(6, "0")), "name": f"区域{area}"},
            "geometry": {"type": "Polygon", "coordinates": _square(*spot)},
        }
        for area, spot in areas.items()
    ]
    (folder / f"{code}.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )


def test_the_page_places_the_areas_and_links_them(client, auth, world, admin) -> None:  # type: ignore[no-untyped-def]
    auth.login(admin)
    html = client.get(f"/stats/orgs/{world.province_org.id}").get_data(as_text=True)
    assert "tilemap placed cols-" in html and "tile-r1" in html
    # 南充 (with the county below it) links to its statistics, from the tile and the table.
    link = f'href="/stats/orgs/{world.city_org.id}"'
    assert html.count(link) >= 2
    assert "echarts.simple.min.js" in html and "data-map=" not in html


def test_a_registered_geojson_is_served_and_used(
    app, client, auth, world, admin, cadre, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    synthetic_geojson(tmp_path, "51", {"5101": (103.0, 30.0), "5113": (106.0, 30.5)})
    app.config["STATS_GEOJSON_DIR"] = str(tmp_path)
    try:
        auth.login(admin)
        html = client.get(f"/stats/orgs/{world.province_org.id}").get_data(as_text=True)
        assert 'data-map="/stats/maps/51.geojson"' in html and "echarts.min.js" in html
        assert "tilemap placed" in html  # the tiles stay for pages without JavaScript
        r = client.get("/stats/maps/51.geojson")
        assert r.status_code == 200 and r.mimetype == "application/geo+json"
        assert len(r.get_json()["features"]) == 2
        # No map for the county: tiles only; odd names and missing files are 404.
        html = client.get(f"/stats/orgs/{world.county_org.id}").get_data(as_text=True)
        assert "data-map=" not in html
        for name in ("5113", "x51", "..", "51%2F..%2F51", "５１"):
            assert client.get(f"/stats/maps/{name}.geojson").status_code == 404, name
        auth.logout()
        auth.login(cadre)
        assert client.get("/stats/maps/51.geojson").status_code == 403
    finally:
        app.config["STATS_GEOJSON_DIR"] = ""
