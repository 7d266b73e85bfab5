"""The people list: order, filter, pages, fragments, and one contact policy per page."""

from __future__ import annotations

import pytest

from directory.extensions import db
from tests.factories import make_person


@pytest.fixture
def app_config(app_config):
    app_config["PAGE_SIZE"] = 3
    return app_config


def _names(page: str, names: list[str]) -> list[str]:
    """The given names in the order the result table shows them."""
    page = page[page.index("<tbody>") :]
    return sorted((n for n in names if f">{n}</a>" in page), key=page.index)


def test_ordered_by_pinyin_and_paginated(client, auth, world, cadre):
    names = ["王五", "安琪", "白雪", "张三", "陈晨"]
    for name in names:
        make_person(name=name)
    auth.login(cadre)
    everyone = [*names, "张彤"]
    first = client.get("/people/").get_data(as_text=True)
    assert _names(first, everyone) == ["安琪", "白雪", "陈晨"]
    assert "共 6 人" in first and "第 1 / 2 页" in first
    assert 'href="/people/?page=2"' in first
    second = client.get("/people/?page=2").get_data(as_text=True)
    assert _names(second, everyone) == ["王五", "张三", "张彤"]
    assert "上一页" in second and "下一页" not in second
    beyond = client.get("/people/?page=99")
    assert beyond.status_code == 200 and "没有找到匹配的人" in beyond.get_data(as_text=True)
    for bad in ("abc", "-1", "0", "1e9", "²"):
        r = client.get(f"/people/?page={bad}")
        assert r.status_code == 400 and "页码无效" in r.get_data(as_text=True)


def test_filter_by_name_and_pinyin(client, auth, world, cadre):
    make_person(name="张三")
    make_person(name="李四")
    auth.login(cadre)
    names = ["张三", "李四", "张彤"]
    assert _names(client.get("/people/?q=张").get_data(as_text=True), names) == ["张三", "张彤"]
    assert _names(client.get("/people/?q=Zhang").get_data(as_text=True), names) == [
        "张三",
        "张彤",
    ]
    assert _names(client.get("/people/?q=li si").get_data(as_text=True), names) == ["李四"]
    for wildcard in ("%", "_", "\\"):
        page = client.get("/people/", query_string={"q": wildcard}).get_data(as_text=True)
        assert _names(page, names) == [], wildcard
    page = client.get("/people/", query_string={"q": "x" * 500})
    assert page.status_code == 200


def test_filter_link_keeps_query(client, auth, world, cadre):
    for i in range(4):
        make_person(name=f"张{i}号")
    auth.login(cadre)
    page = client.get("/people/?q=zhang").get_data(as_text=True)
    assert "page=2" in page and "q=zhang" in page


def test_inactive_accounts_are_not_listed(client, auth, world, cadre):
    make_person(name="离职者", is_active_account=False)
    auth.login(cadre)
    assert "离职者" not in client.get("/people/").get_data(as_text=True)


def test_list_fragment(client, auth, cadre):
    auth.login(cadre)
    r = client.get("/people/?q=张", headers={"HX-Request": "true"})
    body = r.get_data(as_text=True)
    assert r.status_code == 200
    assert body.strip().startswith('<div id="people-results">') and "<html" not in body
    assert "张彤" in body
    assert "HX-Request" in r.headers["Vary"]
    full = client.get("/people/?q=张")
    assert "<html" in full.get_data(as_text=True) and "HX-Request" in full.headers["Vary"]


def _list_queries(client, queries) -> int:
    db.session.expunge_all()
    with queries.watch() as counter:
        assert client.get("/people/").status_code == 200
    return counter.count


def test_list_query_count_does_not_grow_with_the_page(
    client, auth, world, cadre, outsider, queries
):
    auth.login(outsider)
    branch_id, street_id = world.branch.id, world.street_org.id
    make_person(name="甲", membership_org_id=branch_id)
    client.get("/people/")
    few = _list_queries(client, queries)  # the page holds 3 people
    for i in range(6):
        make_person(name=f"乙{i}", membership_org_id=street_id, phone="+8613800138001")
    db.session.commit()
    app = client.application
    app.config["PAGE_SIZE"] = 9
    many = _list_queries(client, queries)  # the page holds 9 people
    assert many == few
    assert many <= 8
