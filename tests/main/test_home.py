"""The home page says what to do, per role; a first visit meets a sign-in page that explains."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from flask import Flask, g
from sqlalchemy import event, select

from directory.core.time import local_time
from directory.extensions import db
from directory.groups import membership, moderation
from directory.groups.models import GroupVisibility, JoinPolicy
from directory.groups.permissions import GroupAccess
from directory.groups.post_models import Post
from directory.main.home import load_home
from directory.transfers import services as transfers
from directory.transfers.models import TransferReason
from tests.factories import make_person
from tests.groups.conftest import make_group, make_thread


@pytest.fixture
def in_request(app: Flask) -> Iterator[None]:
    """Services translate their messages: give them a request (and a fresh locale per call)."""

    @app.before_request
    def _fresh_locale() -> None:
        g.pop("_flask_babel", None)

    with app.test_request_context("/"):
        yield


def test_first_visit_meets_a_sign_in_page_that_explains(client, world) -> None:
    r = client.get("/")
    assert r.status_code == 302 and r.headers["Location"].endswith("/auth/login")
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "共青团干部的通讯录" in page and "请先登录" not in page
    assert "登录后会带你回到" not in page  # nothing to come back to
    assert 'href="/auth/forgot"' in page


def test_a_deep_link_comes_back_after_sign_in(client, world) -> None:
    r = client.get(f"/orgs/{world.city_org.id}")
    assert r.status_code == 302 and "next=" in r.headers["Location"]
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "登录后会带你回到刚才打开的页面" in page and "请先登录" not in page


def test_cadre_home_shows_organisation_people_and_profile_prompt(client, auth, world, cadre):
    colleague = make_person(
        name="钱同事",
        positions=[(world.branch, "委员", date(2022, 1, 1), None)],
    )
    gone = make_person(
        name="孙停用",
        is_active_account=False,
        positions=[(world.branch, "委员", date(2022, 1, 1), None)],
    )
    auth.login(cadre)
    body = client.get("/").get_data(as_text=True)
    assert "模范街社区团支部" in body and colleague.name in body
    assert gone.name not in body  # deactivated accounts are not offered as colleagues
    assert f'href="/search/?org={world.branch.id}"' in body  # find people here
    # 张彤 has a phone but no WeChat, bio...: the prompt names what is missing.
    assert (
        "完善资料" in body and "微信号" in body and "手机号" not in body.split("完善资料")[1][:200]
    )
    assert "没有等待你处理的事项" in body


def test_admin_home_lists_transfers_waiting_for_them(
    client, auth, world, cadre, org_admin, in_request
):
    t = transfers.submit(cadre, cadre, world.chengdu_org, TransferReason.JOB, "调动")
    # The Shunqing admin approves the 转出 step of a member of their subtree.
    total, items = _waiting(org_admin)
    assert total == 1 and items[0].id == t.id
    auth.login(org_admin)
    body = client.get("/").get_data(as_text=True)
    assert "等待你处理的组织关系转接" in body and f'href="/transfers/{t.id}"' in body
    # Nobody else is asked: the member only waits.
    assert _waiting(cadre) == (0, [])


def _waiting(person):  # type: ignore[no-untyped-def]
    home = load_home(person)
    return home.transfers_waiting, home.transfers


def test_moderator_home_lists_join_requests_and_reports(
    client, auth, world, cadre, outsider, in_request
):
    group = make_group(
        cadre, "顺庆青年工作群", JoinPolicy.REQUEST, GroupVisibility.PUBLIC, members=()
    )
    membership.request_to_join(outsider, group, GroupAccess(outsider, group), "想加入")
    reporter = make_person(name="周举报")
    membership._add_member(group, reporter.id, vetted=True)
    db.session.commit()
    thread = make_thread(cadre, group, "值班安排", "本周值班")
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    moderation.report_post(reporter, post, group, GroupAccess(reporter, group), "广告")
    home = load_home(cadre)
    assert home.groups.requests == 1 and home.groups.reports == 1
    assert home.todo_count == 2
    auth.login(cadre)
    body = client.get("/").get_data(as_text=True)
    assert f'href="/groups/{group.id}/requests"' in body
    assert f'href="/groups/{group.id}/reports"' in body
    # The outsider is not a moderator: nothing to do, but the request is theirs.
    assert load_home(outsider).todo_count == 0


def test_home_runs_a_fixed_number_of_queries(app, client, auth, world, cadre) -> None:
    for i in range(12):
        make_person(name=f"同事{i}", positions=[(world.branch, "委员", date(2022, 1, 1), None)])
    auth.login(cadre)
    counts = []
    engine = db.engine

    def count(*_args):  # type: ignore[no-untyped-def]
        counts.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        body = client.get("/").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert "同事0" in body and "还有 4 位" in body  # 8 shown, the rest behind a search link
    assert len(counts) < 25


def test_admin_home_lists_claims_to_confirm(client, auth, world, cadre, org_admin, outsider):
    """A post claimed in an organisation I administer waits on my home, with a link."""
    auth.login(outsider)
    r = client.post(
        f"/people/{outsider.id}/positions/new",
        data={
            "organisation": str(world.county_org.id),
            "organisation_q": world.county_org.name,
            "organisation_label": world.county_org.name,
            "title": "委员",
            "start_date": "2020-01-01",
            "end_date": "",
        },
    )
    assert r.status_code == 303
    # The claimant has nothing to confirm.
    assert "待确认的职务" not in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login(org_admin)
    body = client.get("/").get_data(as_text=True)
    assert "待确认的职务" in body and 'href="/people/claims"' in body


def test_group_feed_shows_times_in_the_display_zone(client, auth, world, cadre) -> None:
    """The feed's times are read like every other time on the site (Asia/Shanghai by
    default), not as stored (UTC), and its reply counts take English plurals."""
    group = make_group(cadre, "顺庆青年工作群")
    thread = make_thread(cadre, group, "值班安排", "本周值班")
    auth.login(cadre)
    body = client.get("/").get_data(as_text=True)
    shown = local_time(thread.last_post_at, "%m-%d %H:%M")
    assert shown != thread.last_post_at.strftime("%m-%d %H:%M")  # UTC+8 by default
    assert f'<span class="date">{shown}</span>' in body
    assert "0 replies" in client.get("/?lang=en").get_data(as_text=True)
