"""The directory page and the JSON API: personas, page and fragment, bad input, privacy."""

from __future__ import annotations

from datetime import date

import flask_babel
import pytest

from directory.core.enums import Visibility
from directory.extensions import db

HX = {"HX-Request": "true", "HX-Target": "results"}


def test_anonymous_is_sent_to_login(client, directory) -> None:
    r = client.get("/search/?q=zt")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]
    api = client.get("/api/v1/people?q=zt")
    assert api.status_code == 401 and api.get_json()["detail"]


def test_full_page_and_fragment(client, auth, directory) -> None:
    auth.login(directory.cadre)
    page = client.get("/search/?q=zhangtong&region=51")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<html" in body and 'id="search-q"' in body and "张彤" in body
    assert 'value="zhangtong"' in body  # the URL holds the query: bookmarkable
    assert "HX-Request" in page.headers["Vary"]
    frag = client.get("/search/?q=zhangtong&region=51", headers=HX)
    text = frag.get_data(as_text=True)
    assert frag.status_code == 200 and "<html" not in text and "张彤" in text
    assert 'name="region" value="51"' in text
    assert "HX-Request" in frag.headers["Vary"]


def test_page_without_query_lists_people_by_name(client, auth, directory) -> None:
    auth.login(directory.org_admin)
    body = client.get("/search/").get_data(as_text=True)
    assert "共 8 人" in body  # the deactivated account is not listed
    assert body.index("李明") < body.index("张彤")


def test_links_keep_filters_and_work_without_javascript(client, auth, directory) -> None:
    auth.login(directory.cadre)
    body = client.get("/search/?q=书记&region=51").get_data(as_text=True)
    assert 'href="/search/?q=%E4%B9%A6%E8%AE%B0&amp;region=5113"' in body  # drill down
    assert "<noscript>" in body


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("region=99x", "未知的地区代码"),
        ("region=123", "未知的地区代码"),
        ("region=52", "未知的地区代码"),
        ("org=abc", "未知的团组织"),
        ("org=999999", "未知的团组织"),
        ("sector=space", "未知的筛选条件"),
        ("kind=x", "未知的筛选条件"),
        ("status=retired", "未知的筛选条件"),
        ("sort=random", "未知的排序方式"),
        ("page=0", "页码无效"),
        ("page=abc", "页码无效"),
    ],
)
def test_unknown_filter_values_are_400_with_a_message(client, auth, directory, args, message):
    auth.login(directory.cadre)
    r = client.get(f"/search/?q=zt&{args}")
    assert r.status_code == 400 and message in r.get_data(as_text=True)
    frag = client.get(f"/search/?q=zt&{args}", headers=HX)
    assert frag.status_code == 400 and message in frag.get_data(as_text=True)
    api = client.get(f"/api/v1/people?q=zt&{args}")
    assert api.status_code == 400 and message in api.get_json()["detail"]


@pytest.mark.parametrize("q", ["😀", "*", "x" * 600, "'\"", "a AND (b", "团\x00委"])
def test_odd_queries_are_answered(client, auth, directory, q) -> None:
    auth.login(directory.cadre)
    r = client.get("/search/", query_string={"q": q})
    assert r.status_code == 200
    api = client.get("/api/v1/people", query_string={"q": q})
    assert api.status_code == 200 and api.get_json()["total"] >= 0


def test_emoji_query_gets_a_hint(client, auth, directory) -> None:
    auth.login(directory.cadre)
    body = client.get("/search/?q=😀").get_data(as_text=True)
    assert "请输入姓名、拼音、组织或职务" in body


def test_contacts_follow_the_privacy_predicate(client, auth, directory) -> None:
    cadre = directory.cadre  # phone visible to people sharing an organisation
    auth.login(directory.outsider)
    body = client.get("/search/?q=zhangtong").get_data(as_text=True)
    assert "张彤" in body and "13800138000" not in body and "zhangtong@example.org" not in body
    api = client.get("/api/v1/people?q=zhangtong").get_json()
    assert api["results"][0]["contacts"] == {}
    auth.logout()
    auth.login(directory.org_admin)  # administers 张彤's organisation
    assert "13800138000" in client.get("/search/?q=zhangtong").get_data(as_text=True)
    cadre.phone_visibility = Visibility.SIGNED_IN
    db.session.commit()
    auth.logout()
    auth.login(directory.outsider)
    assert "13800138000" in client.get("/search/?q=zhangtong").get_data(as_text=True)


def test_api_shape(client, auth, directory) -> None:
    auth.login(directory.cadre)
    data = client.get("/api/v1/people?q=南充团市委&page=1").get_json()
    assert data["query"] == "南充团市委" and data["page"] == 1 and data["total"] >= 1
    zeng = next(r for r in data["results"] if r["name"] == "曾国藩")
    assert zeng["former_positions"][0]["organisation"]["name"] == "共青团南充市委"
    assert zeng["current_positions"][0]["region"] == "5101"
    assert set(data["facets"]) >= {"sector", "kind", "region", "status"}
    region = client.get("/api/v1/people?q=zt&region=44").get_json()
    assert region["total"] == 0 and region["hint"]


def test_nav_and_search_box_point_to_search(client, auth, directory) -> None:
    auth.login(directory.cadre)
    body = client.get("/search/?q=zt").get_data(as_text=True)
    assert 'action="/search/"' in body


def test_english_translation(client, auth, directory) -> None:
    auth.login(directory.cadre)
    flask_babel.refresh()  # test requests share the app context, where the locale is cached
    body = client.get("/search/?q=zt&lang=en").get_data(as_text=True)
    assert "Directory" in body and "Sort" in body


def _queries_for(client, queries, url: str) -> int:
    from directory.extensions import db

    db.session.expire_all()  # both requests load the signed-in user the same way
    with queries.watch():
        assert client.get(url).status_code == 200
    return queries.count


def test_no_query_per_result(client, auth, app, directory, queries) -> None:
    from tests.factories import make_person

    w = directory.world
    auth.login(directory.org_admin)
    few = _queries_for(client, queries, "/search/?region=51")
    for i in range(12):
        org = (w.branch, w.street_org, w.city_org, w.chengdu_org)[i % 4]
        make_person(
            name=f"许{i}",
            membership_org_id=org.id,
            positions=[(org, "委员", date(2020, 1, 1), None)],
        )
    many = _queries_for(client, queries, "/search/?region=51")
    assert many == few <= 9  # user, outbox check, people, posts, ties (2), admin, regions, bell
