"""Career history: add, edit, end and delete positions, as pages and as htmx fragments."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from directory.core import signals
from directory.core import time as clock
from directory.extensions import db
from directory.people.models import Position
from tests.factories import make_org
from tests.people.conftest import picked


@pytest.fixture
def changes():
    """person_id of every positions_changed signal sent during the test."""
    seen: list[int] = []

    def receiver(sender, person_id):
        seen.append(person_id)

    signals.positions_changed.connect(receiver)
    yield seen
    signals.positions_changed.disconnect(receiver)


def _positions(person_id: int) -> list[tuple]:
    db.session.expire_all()
    rows = db.session.execute(
        select(
            Position.id,
            Position.organisation_id,
            Position.title,
            Position.start_date,
            Position.end_date,
        )
        .where(Position.person_id == person_id)
        .order_by(Position.id)
    )
    return [tuple(r) for r in rows]


def _new(world, **changes) -> dict[str, str]:
    return {
        **picked(world.city_org),
        "title": "兼职副书记",
        "start_date": "2022-01-01",
        "end_date": "",
        **changes,
    }


@pytest.mark.parametrize("editor_name", ["cadre", "org_admin", "admin"])
def test_add_position_without_js(request, client, auth, world, cadre, changes, editor_name):
    auth.login(request.getfixturevalue(editor_name))
    page = client.get(f"/people/{cadre.id}/positions/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<datalist id="titles-position-new">' in html and "专职副书记" in html
    assert 'hx-get="/people/org-options"' in html
    r = client.post(f"/people/{cadre.id}/positions/new", data=_new(world))
    assert r.status_code == 303
    assert r.headers["Location"].endswith(f"/people/{cadre.id}")
    assert _positions(cadre.id)[-1][1:] == (world.city_org.id, "兼职副书记", date(2022, 1, 1), None)
    assert changes == [cadre.id]
    profile = client.get(f"/people/{cadre.id}").get_data(as_text=True)
    assert "兼职副书记" in profile
    # Only an admin of the city committee (or above) records a confirmed post there; the
    # cadre's and the county admin's entries are claims waiting for the city's admins.
    if editor_name == "admin":
        assert "职务已添加" in profile and "待确认" not in profile
    else:
        assert "等待该组织管理员确认" in profile and "待确认" in profile


def test_add_position_by_exact_name_and_past_dates(client, auth, world, cadre):
    auth.login(cadre)
    data = _new(  # typed in full without picking from the list
        world,
        **{**NOTHING_PICKED, "organisation_q": "中城街道团工委"},
        end_date="2020-12-31",
        start_date="1950-01-01",
    )
    assert client.post(f"/people/{cadre.id}/positions/new", data=data).status_code == 303
    assert _positions(cadre.id)[-1][1:] == (
        world.street_org.id,
        "兼职副书记",
        date(1950, 1, 1),
        date(2020, 12, 31),
    )
    page = client.get(f"/people/{cadre.id}").get_data(as_text=True)
    assert "曾任" in page and "1950-01-01" in page and "2020-12-31" in page


def test_add_position_with_htmx(client, auth, world, cadre, changes):
    auth.login(cadre)
    r = client.get(f"/people/{cadre.id}/positions/new", headers={"HX-Request": "true"})
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "<html" not in body
    assert body.strip().startswith('<li id="position-new"')
    assert "HX-Request" in r.headers["Vary"]
    r = client.post(
        f"/people/{cadre.id}/positions/new", data=_new(world), headers={"HX-Request": "true"}
    )
    body = r.get_data(as_text=True)
    assert r.status_code == 200
    assert r.headers["HX-Retarget"] == "#positions" and r.headers["HX-Reswap"] == "outerHTML"
    assert body.strip().startswith('<section class="card" id="positions"')
    assert "兼职副书记" in body and "共青团南充市委" in body
    assert changes == [cadre.id]


def _tomorrow() -> str:
    return (clock.today() + timedelta(days=1)).isoformat()


NOTHING_PICKED = {"organisation": "", "organisation_q": "", "organisation_label": ""}
BAD = [
    ({"title": ""}, "请输入职务名称"),
    ({"title": "书" * 41}, "职务名称应为 1 到 40 个字"),
    ({"start_date": ""}, "请输入开始日期"),
    ({"start_date": "1949-12-31"}, "不能早于 1950 年"),
    ({"start_date": "2021-13-01"}, "日期格式应为"),
    ({"start_date": "yesterday"}, "日期格式应为"),
    ({"start_date": "__tomorrow__"}, "开始日期不能晚于今天"),
    ({"end_date": "2021-12-31"}, "卸任日期不能早于开始日期"),
    ({"end_date": "__tomorrow__"}, "卸任日期不能晚于今天"),
    (NOTHING_PICKED, "请选择团组织"),
    ({**NOTHING_PICKED, "organisation_q": "不存在的团组织"}, "团组织不存在"),
    ({**NOTHING_PICKED, "organisation_q": "团" * 201}, "团组织不存在"),
    ({"organisation": "99999"}, "所选项目已不存在"),  # taken from the list, since removed
    ({**NOTHING_PICKED, "organisation_q": "共青团"}, "有多个匹配，请从下面的列表中选择一个"),
    ({"title": "书\x00记"}, "包含无效字符"),
    # The id input holds what no page puts there: refused, not read as the typed text.
    (
        {**NOTHING_PICKED, "organisation": "x" * 300, "organisation_q": "中城街道团工委"},
        "所选项目已不存在",
    ),
    ({"organisation": "-1"}, "所选项目已不存在"),
    # The picker's typed text and label go through the one text cleaner too.
    ({**NOTHING_PICKED, "organisation_q": "中城街道\x00团工委"}, "包含无效字符"),
    (
        {**NOTHING_PICKED, "organisation_q": "中城街道团工委", "organisation_label": "a\x1bb"},
        "包含无效字符",
    ),
]


@pytest.mark.parametrize(("changes_", "message"), BAD)
def test_bad_position_input(client, auth, world, cadre, changes, changes_, message):
    changes_ = {k: _tomorrow() if v == "__tomorrow__" else v for k, v in changes_.items()}
    before = _positions(cadre.id)
    auth.login(cadre)
    for headers in ({}, {"HX-Request": "true"}):
        r = client.post(
            f"/people/{cadre.id}/positions/new", data=_new(world, **changes_), headers=headers
        )
        assert r.status_code == 422
        body = r.get_data(as_text=True)
        assert message in body
        if headers:
            assert (
                body.strip().startswith('<li id="position-new"') and "HX-Retarget" not in r.headers
            )
    assert _positions(cadre.id) == before
    assert changes == []


def test_ambiguous_and_dissolved_organisations(client, auth, world, cadre):
    make_org("共青团某某村支部", world.street_region, world.street_org)
    make_org("共青团某某村支部", world.chengdu, world.chengdu_org)
    world.chengdu_org.dissolved_at = datetime.now(UTC).replace(tzinfo=None)
    db.session.commit()
    before = _positions(cadre.id)
    auth.login(cadre)
    url = f"/people/{cadre.id}/positions/new"
    r = client.post(
        url, data=_new(world, **{**NOTHING_PICKED, "organisation_q": "共青团某某村支部"})
    )
    body = r.get_data(as_text=True)
    assert r.status_code == 422 and "有多个匹配，请从下面的列表中选择一个" in body
    # The two namesakes are offered with the organisations above them, never an id.
    assert "共青团顺庆区委 › 中城街道团工委" in body and "共青团四川省委 › 共青团成都市委" in body
    assert "#" + str(world.street_org.id) not in body.replace('"#', "")
    r = client.post(url, data=_new(world, **picked(world.chengdu_org)))
    assert r.status_code == 422 and "已撤销" in r.get_data(as_text=True)
    assert _positions(cadre.id) == before


def test_invalid_utf8_in_position_post(client, auth, world, cadre):
    before = _positions(cadre.id)
    auth.login(cadre)
    body = f"organisation=%23{world.city_org.id}&title=%E4%B9%A6%FF&start_date=2022-01-01"
    r = client.post(
        f"/people/{cadre.id}/positions/new",
        data=body.encode(),
        content_type="application/x-www-form-urlencoded",
    )
    assert r.status_code == 422
    assert "包含无效字符" in r.get_data(as_text=True)
    assert _positions(cadre.id) == before


@pytest.mark.parametrize("viewer_name", ["outsider", "colleague"])
def test_others_cannot_touch_positions(request, client, auth, world, cadre, changes, viewer_name):
    before = _positions(cadre.id)
    pid = before[0][0]
    auth.login(request.getfixturevalue(viewer_name))
    base = f"/people/{cadre.id}/positions"
    assert client.get(f"{base}/new").status_code == 403
    assert client.post(f"{base}/new", data=_new(world)).status_code == 403
    assert client.get(f"{base}/{pid}/edit").status_code == 403
    assert client.post(f"{base}/{pid}/edit", data=_new(world)).status_code == 403
    assert client.post(f"{base}/{pid}/end", data={"end_date": "2023-01-01"}).status_code == 403
    assert client.post(f"{base}/{pid}/delete").status_code == 403
    assert _positions(cadre.id) == before
    assert changes == []


def test_position_of_someone_else_is_404(client, auth, world, cadre, outsider):
    other = _positions(outsider.id)[0][0]
    auth.login(cadre)
    base = f"/people/{cadre.id}/positions/{other}"
    assert client.get(f"{base}/edit").status_code == 404
    assert client.post(f"{base}/delete").status_code == 404
    assert client.get(f"/people/{cadre.id}/positions/99999/end").status_code == 404
    assert len(_positions(outsider.id)) == 1


def test_edit_position_in_place(client, auth, world, cadre, changes):
    pid = _positions(cadre.id)[0][0]
    auth.login(cadre)
    url = f"/people/{cadre.id}/positions/{pid}/edit"
    r = client.get(url, headers={"HX-Request": "true"})
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and body.strip().startswith(f'<li id="position-{pid}"')
    assert 'value="模范街社区团支部"' in body and f'value="{world.branch.id}"' in body
    assert f"#{world.branch.id}" not in body and 'value="2021-03-01"' in body
    assert "HX-Request" in r.headers["Vary"]
    data = _new(
        world,
        **picked(world.branch),
        title="组织委员",
        start_date="2021-03-01",
        end_date="2023-06-30",
    )
    r = client.post(url, data=data, headers={"HX-Request": "true"})
    assert r.status_code == 200 and r.headers["HX-Retarget"] == "#positions"
    assert "组织委员" in r.get_data(as_text=True) and "曾任" in r.get_data(as_text=True)
    assert _positions(cadre.id)[0][1:] == (
        world.branch.id,
        "组织委员",
        date(2021, 3, 1),
        date(2023, 6, 30),
    )
    assert changes == [cadre.id]
    # the same without JavaScript: a page, then a redirect
    assert "<html" in client.get(url).get_data(as_text=True)
    r = client.post(url, data={**data, "end_date": ""})
    assert r.status_code == 303 and _positions(cadre.id)[0][4] is None


def test_edit_keeps_dissolved_organisation_but_cannot_move_into_one(client, auth, world, cadre):
    pid = _positions(cadre.id)[0][0]
    world.branch.dissolved_at = datetime.now(UTC).replace(tzinfo=None)
    db.session.commit()
    auth.login(cadre)
    url = f"/people/{cadre.id}/positions/{pid}/edit"
    kept = _new(world, **picked(world.branch), start_date="2021-03-01")
    r = client.post(url, data={**kept, "end_date": "2022-12-31"})
    assert r.status_code == 303
    assert _positions(cadre.id)[0][4] == date(2022, 12, 31)
    assert "已撤销" in client.get(f"/people/{cadre.id}").get_data(as_text=True)
    world.chengdu_org.dissolved_at = datetime.now(UTC).replace(tzinfo=None)
    db.session.commit()
    r = client.post(url, data={**kept, **picked(world.chengdu_org)})
    assert r.status_code == 422 and "已撤销" in r.get_data(as_text=True)
    assert _positions(cadre.id)[0][1] == world.branch.id


def test_bad_edit_changes_nothing(client, auth, world, cadre):
    before = _positions(cadre.id)
    auth.login(cadre)
    r = client.post(
        f"/people/{cadre.id}/positions/{before[0][0]}/edit",
        data=_new(world, start_date="2021-03-01", end_date="2020-01-01"),
    )
    assert r.status_code == 422 and "卸任日期不能早于开始日期" in r.get_data(as_text=True)
    assert _positions(cadre.id) == before


def test_end_position(client, auth, world, cadre, org_admin, changes):
    pid = _positions(cadre.id)[0][0]
    auth.login(org_admin)
    url = f"/people/{cadre.id}/positions/{pid}/end"
    r = client.get(url, headers={"HX-Request": "true"})
    assert r.status_code == 200
    assert f'value="{clock.today().isoformat()}"' in r.get_data(as_text=True)
    assert "<html" in client.get(url).get_data(as_text=True)
    for bad, message in (
        ("2020-01-01", "卸任日期不能早于开始日期"),
        (_tomorrow(), "卸任日期不能晚于今天"),
        ("", "请输入卸任日期"),
        ("2023-02-30", "日期格式应为"),
    ):
        r = client.post(url, data={"end_date": bad}, headers={"HX-Request": "true"})
        assert r.status_code == 422 and message in r.get_data(as_text=True)
    assert _positions(cadre.id)[0][4] is None and changes == []
    r = client.post(url, data={"end_date": "2024-03-31"})
    assert r.status_code == 303
    assert _positions(cadre.id)[0][4] == date(2024, 3, 31)
    assert changes == [cadre.id]
    page = client.get(f"/people/{cadre.id}").get_data(as_text=True)
    assert "曾任" in page and "2024-03-31" in page and "已记录卸任" in page
    assert f"/positions/{pid}/end" not in page  # a past position has no 卸任 link


def test_delete_position(client, auth, world, cadre, outsider, changes):
    pid = _positions(cadre.id)[0][0]
    auth.login(cadre)
    r = client.post(f"/people/{cadre.id}/positions/{pid}/delete", headers={"HX-Request": "true"})
    assert r.status_code == 200 and "暂无职务记录" in r.get_data(as_text=True)
    assert _positions(cadre.id) == [] and changes == [cadre.id]
    assert (
        db.session.scalar(select(func.count()).select_from(Position)) == 1
    )  # only the cadre's went; the outsider's stays
    assert client.get(f"/people/{cadre.id}/positions/{pid}/edit").status_code == 404


def test_delete_without_js_redirects(client, auth, cadre):
    pid = _positions(cadre.id)[0][0]
    auth.login(cadre)
    r = client.post(f"/people/{cadre.id}/positions/{pid}/delete")
    assert r.status_code == 303
    assert "职务已删除" in client.get(f"/people/{cadre.id}").get_data(as_text=True)


def test_positions_section_and_cancel(client, auth, cadre):
    auth.login(cadre)
    r = client.get(f"/people/{cadre.id}/positions", headers={"HX-Request": "true"})
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and body.strip().startswith('<section class="card" id="positions"')
    assert "HX-Request" in r.headers["Vary"]
    full = client.get(f"/people/{cadre.id}/positions").get_data(as_text=True)
    assert "<html" in full and 'id="positions"' in full


def test_org_options(client, auth, world, outsider):
    make_org("南充市某100%_学校团委", world.nanchong, world.city_org)
    world.street_org.dissolved_at = datetime.now(UTC).replace(tzinfo=None)
    db.session.commit()
    auth.login(outsider)
    r = client.get(
        "/people/org-options", query_string={"q": "南充"}, headers={"HX-Request": "true"}
    )
    body = r.get_data(as_text=True)
    assert r.status_code == 200 and "<html" not in body
    assert f'data-value="{world.city_org.id}" data-label="共青团南充市委"' in body
    assert "HX-Request" in r.headers["Vary"]
    # htmx sends the input's own name when the organisation field asks
    r = client.get(
        "/people/org-options", query_string={"organisation": "中城"}, headers={"HX-Request": "true"}
    )
    # Dissolved ones are not offered (their name may still show in a path above another).
    assert 'data-label="中城街道团工委"' not in r.get_data(as_text=True)
    r = client.get("/people/org-options", query_string={"q": "%"}, headers={"HX-Request": "true"})
    assert r.get_data(as_text=True).count('role="option"') == 1  # "%" is a character
    full = client.get("/people/org-options", query_string={"q": "顺庆"}).get_data(as_text=True)
    assert "<html" in full and f'href="/orgs/{world.county_org.id}">共青团顺庆区委</a>' in full
    empty = client.get("/people/org-options", headers={"HX-Request": "true"})
    assert 'role="option"' not in empty.get_data(as_text=True)


def test_org_options_requires_login(client, world):
    r = client.get("/people/org-options?q=南充")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]


def test_a_post_starting_today_in_china_is_not_in_the_future(
    client, auth, world, cadre, monkeypatch
):
    """At 07:30 in Beijing the server's UTC date is still yesterday: "today" is the date
    of the display zone, so a post starting today is accepted (it was refused)."""
    later = date.today() + timedelta(days=10)  # ahead of the machine's own calendar
    monkeypatch.setattr(clock, "now", lambda: datetime(later.year, later.month, later.day, 23, 30))
    local_today = later + timedelta(days=1)
    auth.login(cadre)
    data = _new(world, start_date=local_today.isoformat())
    assert client.post(f"/people/{cadre.id}/positions/new", data=data).status_code == 303
    assert _positions(cadre.id)[-1][3] == local_today
    tomorrow = _new(world, start_date=(local_today + timedelta(days=1)).isoformat())
    r = client.post(f"/people/{cadre.id}/positions/new", data=tomorrow)
    assert r.status_code == 422 and "开始日期不能晚于今天" in r.get_data(as_text=True)
