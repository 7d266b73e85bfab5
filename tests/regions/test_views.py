"""Browsing regions as each persona: the province list and a region's page."""

from __future__ import annotations

import flask_babel

from directory.core.enums import OrgLevel
from directory.extensions import db
from tests.factories import make_org, make_region

HX = {"HX-Request": "true"}


def test_anonymous_is_sent_to_login(client, world):
    for url in ("/regions/", "/regions/51", "/regions/51/options", "/regions/options"):
        r = client.get(url)
        assert r.status_code == 302 and "/auth/login" in r.headers["Location"]


def test_index_lists_provinces_with_counts(client, auth, cadre, world):
    make_region("52", "贵州省")
    db.session.commit()
    auth.login(cadre)
    r = client.get("/regions/")
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "<html" in page
    assert 'href="/regions/51"' in page and 'href="/regions/52"' in page
    # Six organisations in Sichuan, none in Guizhou.
    assert "51 · 6 个团组织" in page and "52 · 0 个团组织" in page
    assert "HX-Request" in r.headers["Vary"]

    frag = client.get("/regions/", headers=HX)
    body = frag.get_data(as_text=True)
    assert "<html" not in body and "四川省" in body and "HX-Request" in frag.headers["Vary"]


def test_show_region_page(client, auth, cadre, world):
    auth.login(cadre)
    r = client.get("/regions/5113")
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    crumbs = page[
        page.index('class="breadcrumbs"') : page.index("</nav>", page.index('class="breadcrumbs"'))
    ]
    assert 'href="/regions/51"' in crumbs and "南充市" in crumbs
    # The child county with the organisations in its subtree (county, street, branch).
    assert 'href="/regions/511302"' in page and "511302 · 3 个团组织" in page
    # The organisation located here links to its page; the subtree count includes it.
    assert f'href="/orgs/{world.city_org.id}"' in page
    assert "共有 4 个团组织" in page
    assert "管理行政区划" not in page  # no admin forms for a cadre


def test_dissolved_organisations_are_not_counted(client, auth, cadre, world):
    from datetime import datetime

    world.chengdu_org.dissolved_at = datetime(2024, 1, 1)
    db.session.commit()
    auth.login(cadre)
    page = client.get("/regions/5101").get_data(as_text=True)
    assert "共有 0 个团组织" in page and "共青团成都市委" not in page


def test_show_fragments_for_htmx(client, auth, outsider, world):
    auth.login(outsider)
    r = client.get("/regions/5113", headers={**HX, "HX-Target": "region-children"})
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "<html" not in body
    assert body.lstrip().startswith('<section id="region-children"') and "顺庆区" in body
    assert "HX-Request" in r.headers["Vary"]
    orgs = client.get("/regions/5113", headers={**HX, "HX-Target": "region-orgs"})
    assert orgs.get_data(as_text=True).lstrip().startswith('<section id="region-orgs"')
    # A boosted request or a history restore gets the whole page.
    full = client.get("/regions/5113", headers={**HX, "HX-History-Restore-Request": "true"})
    assert "<html" in full.get_data(as_text=True)


def test_unknown_or_malformed_code_is_404(client, auth, cadre, world):
    auth.login(cadre)
    for code in ("99", "5113x", "123", "%27--"):
        r = client.get(f"/regions/{code}")
        assert r.status_code == 404
        assert "地区代码不存在" in r.get_data(as_text=True)


def test_children_are_paginated_without_n_plus_one(client, auth, cadre, world, queries):
    county = world.shunqing
    for i in range(2, 62):
        town = make_region(f"511302{i:03d}", f"测试镇{i:02d}", county)
        make_org(f"测试镇{i:02d}团委", town, world.county_org, OrgLevel.TOWNSHIP)
    db.session.commit()
    auth.login(cadre)
    first = client.get("/regions/511302").get_data(as_text=True)
    assert "共 61 个" in first and "测试镇50" in first and "测试镇51" not in first
    assert 'href="/regions/511302?opage=1&amp;page=2"' in first
    with queries.watch():
        second = client.get("/regions/511302?page=2")
    text = second.get_data(as_text=True)
    assert second.status_code == 200 and "测试镇51" in text and "测试镇61" in text
    assert "测试镇50" not in text
    assert "511302061 · 1 个团组织" in text
    # user + region chain + children (count, page) + orgs (count, page) + counts
    assert queries.count <= 8, queries.statements
    assert client.get("/regions/511302?page=3").status_code == 404
    bad = client.get("/regions/511302?page=abc")
    assert bad.status_code == 400 and "页码无效" in bad.get_data(as_text=True)
    assert client.get("/regions/511302?opage=0").status_code == 400


def test_region_page_in_english(client, auth, cadre, world):
    auth.login(cadre)
    flask_babel.refresh()  # test requests share the app context, where the locale is cached
    page = client.get("/regions/5113?lang=en").get_data(as_text=True)
    assert "Subdivisions" in page
    assert "4 organisations in this region and its subdivisions" in page
