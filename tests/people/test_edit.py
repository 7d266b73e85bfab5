"""Editing a profile: who may, what is accepted, what is refused (and then nothing changes)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from directory.core import signals
from directory.core import time as clock
from directory.core.enums import Visibility
from directory.core.errors import PermissionDenied, ValidationError
from directory.extensions import db
from directory.people.models import Person
from directory.people.services import update_profile
from tests.people.conftest import picked

GOOD = {
    "name": "张彤彤",
    "gender": "female",
    "birth_year": "1996",
    "political_status": "party",
    "cadre_kind": "seconded",
    "establishment": "in",
    "phone": "139 0013 9000",
    "email": "Zhang.Tong@Example.org",
    "wechat": "zhangtong-96",
    "bio": "街道青年工作。",
    "phone_visibility": "admins",
    "email_visibility": "signed_in",
    "wechat_visibility": "shared",
}


def _snapshot(person_id: int) -> dict[str, object]:
    db.session.expire_all()
    p = db.session.get(Person, person_id)
    skip = {"last_login_at", "updated_at"}  # signing in touches these
    return {c.key: getattr(p, c.key) for c in Person.__table__.columns if c.key not in skip}


def _post(client, person, **changes):
    return client.post(f"/people/{person.id}/edit", data={**GOOD, **changes})


@pytest.mark.parametrize("editor_name", ["cadre", "branch_admin", "org_admin", "admin"])
def test_editors_can_save(request, client, auth, cadre, editor_name):
    auth.login(request.getfixturevalue(editor_name))
    assert client.get(f"/people/{cadre.id}/edit").status_code == 200
    r = _post(client, cadre)
    assert r.status_code == 303
    assert r.headers["Location"].endswith(f"/people/{cadre.id}")
    p = db.session.get(Person, cadre.id)
    db.session.refresh(p)
    assert p.name == "张彤彤" and p.name_pinyin == "zhangtongtong"
    assert p.phone == "+8613900139000"
    assert p.email == "zhang.tong@example.org"
    assert p.birth_year == 1996
    assert p.phone_visibility is Visibility.ADMINS
    assert p.wechat == "zhangtong-96"
    assert "资料已保存" in client.get(r.headers["Location"]).get_data(as_text=True)


def test_edit_form_is_prefilled(client, auth, cadre):
    auth.login(cadre)
    page = client.get(f"/people/{cadre.id}/edit").get_data(as_text=True)
    assert 'value="张彤"' in page and 'value="+8613800138000"' in page
    assert "所有登录用户" in page and "同组织或同群组的人" in page and "仅管理员" in page
    assert 'name="membership_org"' not in page  # only a system admin may change it here


@pytest.mark.parametrize("viewer_name", ["outsider", "colleague"])
def test_others_get_403(request, client, auth, cadre, viewer_name):
    before = _snapshot(cadre.id)
    auth.login(request.getfixturevalue(viewer_name))
    assert client.get(f"/people/{cadre.id}/edit").status_code == 403
    r = _post(client, cadre)
    assert r.status_code == 403
    assert "你没有权限" in r.get_data(as_text=True)
    assert _snapshot(cadre.id) == before


def test_htmx_save_redirects_and_htmx_error_is_fragment(client, auth, cadre):
    auth.login(cadre)
    r = client.get(f"/people/{cadre.id}/edit", headers={"HX-Request": "true"})
    assert r.status_code == 200 and "<html" not in r.get_data(as_text=True)
    assert 'id="profile-form"' in r.get_data(as_text=True)
    assert "HX-Request" in r.headers["Vary"]
    r = client.post(
        f"/people/{cadre.id}/edit", data={**GOOD, "name": ""}, headers={"HX-Request": "true"}
    )
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "<html" not in body and "请输入姓名" in body
    r = client.post(f"/people/{cadre.id}/edit", data=GOOD, headers={"HX-Request": "true"})
    assert r.status_code == 204
    assert r.headers["HX-Redirect"] == f"/people/{cadre.id}"


def _this_year() -> int:
    """This year in the default display zone (module level: no app to ask)."""
    return datetime.now(ZoneInfo(clock.DEFAULT_ZONE)).year


BAD = [
    ("name", "", "请输入姓名"),
    ("name", "张" * 41, "姓名应为 1 到 40 个字"),
    ("name", "   ", "请输入姓名"),
    ("phone", "12345", "请输入有效的电话号码"),
    ("phone", "1" * 31, "电话号码太长"),
    ("email", "not-an-email", "电子邮箱格式不正确"),
    ("email", "", "请输入电子邮箱"),
    ("email", "a" * 250 + "@example.org", "电子邮箱太长"),
    ("birth_year", "1939", "出生年份应在 1940 到"),
    ("birth_year", str(_this_year() - 13), "出生年份应在 1940 到"),
    ("birth_year", "abc", "出生年份应在"),
    ("birth_year", "１９９０", "出生年份应在"),
    ("wechat", "1abcdef", "微信号应为"),
    ("wechat", "abcde", "微信号应为"),
    ("wechat", "a" * 21, "微信号应为"),
    ("wechat", "abc def1", "微信号应为"),
    ("wechat", "微信号码abc", "微信号应为"),
    ("bio", "字" * 2001, "简介不能超过 2000 字"),
    ("gender", "other", "选项无效"),
    ("political_status", "communist", "选项无效"),
    ("cadre_kind", "volunteer", "选项无效"),
    ("establishment", "maybe", "选项无效"),
    ("phone_visibility", "everyone", "选项无效"),
    ("email_visibility", "", "选项无效"),
    ("wechat_visibility", "SIGNED_IN", "选项无效"),
    ("name", "张\x01彤", "包含无效字符"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD)
def test_bad_input_is_422_and_nothing_changes(client, auth, cadre, field, value, message):
    before = _snapshot(cadre.id)
    auth.login(cadre)
    r = _post(client, cadre, **{field: value})
    assert r.status_code == 422
    assert message in r.get_data(as_text=True)
    assert _snapshot(cadre.id) == before


def test_limits_are_inclusive(client, auth, cadre):
    auth.login(cadre)
    ok = {
        "name": "张" * 40,
        "birth_year": str(_this_year() - 14),
        "wechat": "a" + "b" * 19,
        "bio": "字" * 2000,
    }
    assert _post(client, cadre, **ok).status_code == 303
    ok = {"birth_year": "1940", "wechat": "abc_-1", "phone": "", "gender": ""}
    assert _post(client, cadre, **ok).status_code == 303
    p = db.session.get(Person, cadre.id)
    db.session.refresh(p)
    assert p.birth_year == 1940 and p.phone is None and p.gender is None


def test_missing_visibility_field_is_refused(client, auth, cadre):
    auth.login(cadre)
    data = {k: v for k, v in GOOD.items() if k != "phone_visibility"}
    r = client.post(f"/people/{cadre.id}/edit", data=data)
    assert r.status_code == 422
    assert "选项无效" in r.get_data(as_text=True)


def test_taken_email_is_a_field_message(client, auth, cadre, outsider):
    before = _snapshot(cadre.id)
    auth.login(cadre)
    r = _post(client, cadre, email="ZhaoLi@example.org")
    assert r.status_code == 422
    assert "该电子邮箱已被使用" in r.get_data(as_text=True)
    assert _snapshot(cadre.id) == before


def test_invalid_utf8_is_422(client, auth, cadre):
    before = _snapshot(cadre.id)
    auth.login(cadre)
    body = b"&".join(
        f"{k}={v}".encode() for k, v in GOOD.items() if k not in ("name", "bio", "phone")
    )
    body += b"&name=%E5%BC%A0%FF%FE&bio=%C3%28&phone=13900139000"
    r = client.post(
        f"/people/{cadre.id}/edit",
        data=body,
        content_type="application/x-www-form-urlencoded",
    )
    assert r.status_code == 422
    assert "包含无效字符" in r.get_data(as_text=True)
    assert _snapshot(cadre.id) == before


def test_membership_org_cannot_be_forged_by_the_person(client, auth, world, cadre):
    auth.login(cadre)
    r = _post(client, cadre, **picked(world.chengdu_org, "membership_org"))
    assert r.status_code == 303
    assert _snapshot(cadre.id)["membership_org_id"] == world.branch.id


def test_membership_org_by_system_admin(client, auth, world, cadre, admin):
    auth.login(admin)
    page = client.get(f"/people/{cadre.id}/edit").get_data(as_text=True)
    # The picker shows the name (the id only in its hidden input), never "名称 #编号".
    assert 'role="combobox"' in page and 'value="模范街社区团支部"' in page
    assert f"#{world.branch.id}" not in page
    r = _post(client, cadre, **picked(world.chengdu_org, "membership_org"))
    assert r.status_code == 303
    assert _snapshot(cadre.id)["membership_org_id"] == world.chengdu_org.id
    # Typed without the list (no JavaScript), by name or by pinyin, as a user knows it.
    r = _post(client, cadre, membership_org_q="顺庆区委")
    assert r.status_code == 303
    assert _snapshot(cadre.id)["membership_org_id"] == world.county_org.id
    r = _post(client, cadre, membership_org_q="nanchong shiwei")
    assert r.status_code == 303
    assert _snapshot(cadre.id)["membership_org_id"] == world.city_org.id


def test_org_admin_cannot_change_membership(client, auth, world, cadre, org_admin):
    auth.login(org_admin)
    page = client.get(f"/people/{cadre.id}/edit").get_data(as_text=True)
    assert 'name="membership_org"' not in page
    _post(client, cadre, **picked(world.chengdu_org, "membership_org"))
    assert _snapshot(cadre.id)["membership_org_id"] == world.branch.id


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ({"membership_org": "99999"}, "所选项目已不存在"),
        ({"membership_org_q": "没有这个组织"}, "团组织不存在"),
        ({"membership_org_q": "共青团"}, "有多个匹配，请从下面的列表中选择一个"),
        ("dissolved", "已撤销"),
    ],
)
def test_membership_org_errors(client, auth, world, cadre, admin, text, message):
    world.chengdu_org.dissolved_at = datetime.now(UTC).replace(tzinfo=None)
    db.session.commit()
    if text == "dissolved":
        text = picked(world.chengdu_org, "membership_org")
    before = _snapshot(cadre.id)
    auth.login(admin)
    r = _post(client, cadre, **text)
    assert r.status_code == 422
    assert message in r.get_data(as_text=True)
    assert _snapshot(cadre.id) == before


def test_update_profile_service_checks_permission_and_sends_no_signal(app, cadre, outsider):
    received = []

    def receiver(sender, **kw):
        received.append(kw)

    signals.positions_changed.connect(receiver)
    signals.membership_changed.connect(receiver)
    try:
        with app.test_request_context(), pytest.raises(PermissionDenied):
            update_profile(outsider, cadre, name="别人")
        with app.test_request_context():
            update_profile(cadre, cadre, name="张彤", bio="新简介")
    finally:
        signals.positions_changed.disconnect(receiver)
        signals.membership_changed.disconnect(receiver)
    assert received == []
    assert _snapshot(cadre.id)["bio"] == "新简介"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"birth_year": "19x0"}, "出生年份应在"),
        ({"birth_year": 1939}, "出生年份应在"),
        ({"gender": "other"}, "选项无效"),
        ({"phone_visibility": None}, "选项无效"),
        ({"name": ""}, "姓名应为 1 到 40 个字"),
        ({"email": "no-at-sign"}, "电子邮箱格式不正确"),
        ({"bio": "x" * 2001}, "简介不能超过 2000 字"),
        ({"is_admin": True}, "未知的资料项"),
    ],
)
def test_update_profile_service_validates(app, cadre, fields, message):
    before = _snapshot(cadre.id)
    with app.test_request_context(), pytest.raises(ValidationError) as err:
        update_profile(cadre, cadre, **fields)
    assert message in err.value.message
    assert _snapshot(cadre.id) == before


def test_membership_change_by_system_admin_sends_the_signal(client, auth, world, cadre, admin):
    seen: list[dict[str, object]] = []

    def receiver(sender, **kw):
        seen.append(kw)

    signals.membership_changed.connect(receiver)
    try:
        auth.login(admin)
        _post(client, cadre, **picked(world.chengdu_org, "membership_org"))
        _post(client, cadre, **picked(world.chengdu_org, "membership_org"))
    finally:
        signals.membership_changed.disconnect(receiver)
    assert seen == [
        {"person_id": cadre.id, "old_org_id": world.branch.id, "new_org_id": world.chengdu_org.id}
    ]


def test_org_admin_cannot_edit_a_system_admin_in_their_subtree(client, auth, world, org_admin):
    from tests.factories import make_person

    boss = make_person(name="钱勇", is_admin=True, membership_org_id=world.branch.id)
    before = _snapshot(boss.id)
    auth.login(org_admin)
    assert client.get(f"/people/{boss.id}/edit").status_code == 403
    r = _post(client, boss, email="takeover@example.org")
    assert r.status_code == 403
    assert _snapshot(boss.id) == before
