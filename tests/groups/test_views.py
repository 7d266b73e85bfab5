"""Group list, creation and editing, settings, English UI: each persona, page and fragment."""

from __future__ import annotations

from sqlalchemy import func, select

from directory.extensions import db
from directory.groups.models import (
    Group,
    GroupMember,
    GroupVisibility,
    JoinPolicy,
    MemberRole,
    NotificationSetting,
)
from tests.groups.conftest import make_group

HX = {"HX-Request": "true"}


def _groups() -> int:
    return db.session.scalar(select(func.count()).select_from(Group)) or 0


def test_signed_out_is_sent_to_login(client) -> None:  # type: ignore[no-untyped-def]
    for url in ("/groups/", "/groups/new", "/groups/1", "/groups/settings"):
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_index_page_and_fragment(client, auth, fixture_groups, member) -> None:  # type: ignore[no-untyped-def]
    auth.login(member)
    page = client.get("/groups/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html and "秘密筹备群" in html
    assert "HX-Request" in page.headers["Vary"]
    fragment = client.get("/groups/?q=公开", headers=HX).get_data(as_text=True)
    assert "<html" not in fragment and "公开交流群" in fragment and "内部工作群" not in fragment
    mine = client.get("/groups/?mine=1").get_data(as_text=True)
    assert "申请加入群" not in mine and "公开交流群" in mine


def test_create_group_as_cadre(client, auth, cadre, world) -> None:  # type: ignore[no-untyped-def]
    auth.login(cadre)
    assert client.get("/groups/new").status_code == 200
    response = client.post(
        "/groups/new",
        data={
            "name": "顺庆区志愿服务群",
            "description": "志愿服务工作交流",
            "join_policy": "request",
            "visibility": "members",
            "region": "511302",
            "organisation": f"共青团顺庆区委 #{world.county_org.id}",
        },
    )
    assert response.status_code == 303
    group = db.session.scalar(select(Group))
    assert group.join_policy == JoinPolicy.REQUEST and group.visibility == GroupVisibility.MEMBERS
    assert group.region_id == world.shunqing.id and group.organisation_id == world.county_org.id
    role = db.session.scalar(select(GroupMember.role).where(GroupMember.person_id == cadre.id))
    assert role == MemberRole.OWNER
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "顺庆区志愿服务群" in page and "共青团顺庆区委" in page and "管理日志" in page


def test_create_group_bad_input_writes_nothing(client, auth, cadre, world) -> None:  # type: ignore[no-untyped-def]
    auth.login(cadre)
    cases = [
        ({"name": "", "join_policy": "open", "visibility": "public"}, "请填写群组名称"),
        ({"name": "x" * 101, "join_policy": "open", "visibility": "public"}, "100"),
        ({"name": "x", "join_policy": "everyone", "visibility": "public"}, "加入方式"),
        (
            {"name": "x", "join_policy": "open", "visibility": "public", "region": "999999"},
            "找不到该行政区划代码",
        ),
        (
            {
                "name": "x",
                "join_policy": "open",
                "visibility": "public",
                "organisation": "不存在的组织",
            },
            "团组织不存在",
        ),
        ({"name": "坏\x01字符", "join_policy": "open", "visibility": "public"}, "无效字符"),
    ]
    for data, message in cases:
        response = client.post("/groups/new", data=data)
        assert response.status_code in (404, 422), data
        assert message in response.get_data(as_text=True), data
    assert _groups() == 0


def test_edit_group_only_by_moderators(client, auth, owner, member) -> None:  # type: ignore[no-untyped-def]
    group = make_group(owner, "开放群", members=(member,))
    auth.login(member)
    assert client.get(f"/groups/{group.id}/edit").status_code == 403
    assert client.post(f"/groups/{group.id}/edit", data={"name": "改名"}).status_code == 403
    auth.logout()
    auth.login(owner)
    form = client.get(f"/groups/{group.id}/edit").get_data(as_text=True)
    assert "开放群" in form
    response = client.post(
        f"/groups/{group.id}/edit",
        data={"name": "改名群", "join_policy": "invite", "visibility": "hidden"},
    )
    assert response.status_code == 303
    db.session.refresh(group)
    assert group.name == "改名群" and group.visibility == GroupVisibility.HIDDEN


def test_notification_settings(client, auth, cadre) -> None:  # type: ignore[no-untyped-def]
    auth.login(cadre)
    page = client.get("/groups/settings").get_data(as_text=True)
    assert "有人在回帖中提到我" in page and page.count("checked") == 6
    response = client.post(
        "/groups/settings",
        data={"save": "1", "group_mention-app": "on", "group_mention-email": "on"},
    )
    assert response.status_code == 303
    rows = {
        (r.kind, r.in_app, r.email)
        for r in db.session.scalars(
            select(NotificationSetting).where(NotificationSetting.person_id == cadre.id)
        )
    }
    assert ("group_mention", True, True) in rows and ("group_reply", False, False) in rows
    assert client.post("/groups/settings", data={}).status_code == 400


def test_english_ui(client, auth, fixture_groups, member) -> None:  # type: ignore[no-untyped-def]
    import flask_babel

    auth.login(member)
    # Test requests share the test's app context, where Flask-Babel caches the locale.
    flask_babel.refresh()
    page = client.get(f"/groups/{fixture_groups.public.id}?lang=en").get_data(as_text=True)
    assert "New thread" in page and "Leave group" in page and "发起话题" not in page


def test_automatic_group_page(client, auth, cadre, world, admin, org_admin, outsider) -> None:  # type: ignore[no-untyped-def]
    from directory.groups.org_groups import sync_all_org_groups
    from directory.groups.permissions import readable_groups
    from tests.groups.conftest import make_thread

    sync_all_org_groups()
    group = db.session.scalar(select(Group).where(Group.auto_org_id == world.branch.id))
    thread = make_thread(cadre, group, "支部工作")
    readable = set(db.session.scalars(select(Group.id).where(readable_groups(org_admin))))
    assert group.id in readable
    assert group.id not in set(
        db.session.scalars(select(Group.id).where(readable_groups(outsider)))
    )
    auth.login(outsider)
    assert client.get(f"/groups/threads/{thread.id}").status_code == 404
    auth.logout()
    auth.login(cadre)
    page = client.get(f"/groups/{group.id}").get_data(as_text=True)
    assert "模范街社区团支部" in page and "自动成为成员" in page and "退出群组" not in page
    assert client.post(f"/groups/{group.id}/leave").status_code == 422
    auth.logout()
    # The district admin moderates the automatic groups of the district's subtree.
    auth.login(org_admin)
    assert client.get(f"/groups/{group.id}/log").status_code == 200
    assert "支部工作" in client.get(f"/groups/threads/{thread.id}").get_data(as_text=True)
