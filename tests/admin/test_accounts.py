"""The admin area: who sees it, listing, creating accounts."""

from __future__ import annotations

from sqlalchemy import func, select

from directory.extensions import db
from directory.people.models import Person
from tests.factories import make_person
from tests.people.conftest import picked


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Person)) or 0


def test_anonymous_is_sent_to_login(client, world):
    r = client.get("/admin/")
    assert r.status_code == 302
    assert "/auth/login" in r.headers["Location"]


def test_plain_cadre_gets_403(client, auth, cadre):
    auth.login(cadre)
    for url in ("/admin/", "/admin/accounts/new", f"/admin/accounts/{cadre.id}"):
        r = client.get(url)
        assert r.status_code == 403, url
        assert "你没有权限执行此操作" in r.get_data(as_text=True)
    r = client.post(f"/admin/accounts/{cadre.id}/reset")
    assert r.status_code == 403


def test_system_admin_lists_everyone(client, auth, admin, cadre, org_admin, outsider):
    auth.login(admin)
    r = client.get("/admin/")
    page = r.get_data(as_text=True)
    assert r.status_code == 200
    for p in (admin, cadre, org_admin, outsider):
        assert p.name in page
    assert "<html" in page
    assert "HX-Request" in r.headers["Vary"]


def test_org_admin_sees_only_their_subtree(client, auth, admin, cadre, org_admin, outsider, world):
    boss_here = make_person(
        name="本地管理员",
        email="boss@example.org",
        is_admin=True,
        membership_org_id=world.branch.id,
    )
    auth.login(org_admin)
    page = client.get("/admin/").get_data(as_text=True)
    assert boss_here.name not in page
    assert cadre.name in page
    assert org_admin.name in page
    assert outsider.name not in page
    assert admin.name not in page
    assert client.get(f"/admin/accounts/{outsider.id}").status_code == 403
    assert client.get(f"/admin/accounts/{cadre.id}").status_code == 200
    assert client.get("/admin/accounts/999999").status_code == 404


def test_nav_shows_admin_link_only_to_admins(client, auth, cadre, org_admin):
    auth.login(cadre)
    assert 'href="/admin/"' not in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login(org_admin)
    assert 'href="/admin/"' in client.get("/").get_data(as_text=True)


def test_search_by_name_pinyin_and_email_as_fragment(client, auth, admin, cadre, outsider):
    auth.login(admin)
    for q in ("张彤", "zhangtong", "ZHANGTONG@example"):
        r = client.get("/admin/", query_string={"q": q}, headers={"HX-Request": "true"})
        body = r.get_data(as_text=True)
        assert r.status_code == 200
        assert "<html" not in body
        assert 'id="accounts"' in body
        assert cadre.name in body and outsider.name not in body, q
        assert "HX-Request" in r.headers["Vary"]
    # LIKE wildcards are taken literally.
    body = client.get("/admin/?q=%25").get_data(as_text=True)
    assert cadre.name not in body


def test_pagination(app, client, auth, admin, world):
    for i in range(25):
        make_person(name=f"翻页{i:02d}", email=f"page{i}@example.org")
    auth.login(admin)
    first = client.get("/admin/?q=翻页").get_data(as_text=True)
    second = client.get("/admin/?q=翻页&page=2").get_data(as_text=True)
    assert "共 25 个账号" in first
    assert "第 1 / 2 页" in first and "第 2 / 2 页" in second
    assert first.count("/admin/accounts/") - second.count("/admin/accounts/") >= 10
    assert "page=2" in first
    for bad in ("abc", "-1", "0", "99999999999", "²"):
        r = client.get(f"/admin/?page={bad}")
        assert r.status_code == 400 and "页码无效" in r.get_data(as_text=True)
    assert "没有找到账号" in client.get("/admin/?q=翻页&page=9").get_data(as_text=True)


def test_list_query_count_does_not_grow(app, client, auth, admin, world, queries):
    """No N+1: the same number of statements for 5 and for 40 accounts."""
    auth.login(admin)

    def statements() -> int:
        with queries.watch():
            assert client.get("/admin/").status_code == 200
        return queries.count

    for i in range(5):
        make_person(email=f"few{i}@example.org", membership_org_id=world.branch.id)
    few = statements()
    for i in range(35):
        make_person(email=f"many{i}@example.org", membership_org_id=world.street_org.id)
    many = statements()
    assert few == many
    assert many <= 6


def test_create_account_and_invitation_link(client, auth, admin, world):
    auth.login(admin)
    assert client.get("/admin/accounts/new").status_code == 200
    r = client.post(
        "/admin/accounts/new",
        data={
            "name": " 陈静 ",
            "email": "ChenJing@Example.org",
            "membership_org": "中城街道团工委",
        },
    )
    assert r.status_code == 303
    person = db.session.scalar(select(Person).where(Person.email == "chenjing@example.org"))
    assert person.name == "陈静"
    assert person.membership_org_id == world.street_org.id
    assert person.password_hash is None and not person.is_admin
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "账号已创建" in page
    assert "/auth/invite/" in page
    link = page.split('id="invitation-link" type="text" readonly value="')[1].split('"')[0]
    # The link works for the new person in another browser.
    other = client.application.test_client()
    path = link.split("localhost", 1)[1]
    assert "陈静" in other.get(path).get_data(as_text=True)
    r = other.post(path, data={"new_password": "brand-new-77", "confirm": "brand-new-77"})
    assert r.status_code == 303
    assert other.get("/").status_code == 200


def test_create_account_with_org_picked_as_htmx(client, auth, org_admin, world):
    auth.login(org_admin)
    r = client.post(
        "/admin/accounts/new",
        data={
            "name": "周洋",
            "email": "zhouyang@example.org",
            **picked(world.branch, "membership_org"),
        },
        headers={"HX-Request": "true"},
    )
    body = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "<html" not in body and "/auth/invite/" in body
    assert r.headers["HX-Retarget"] == "#main"
    assert r.headers["HX-Push-Url"].startswith("/admin/accounts/")
    assert db.session.scalar(select(Person).where(Person.email == "zhouyang@example.org"))


def test_org_admin_cannot_create_outside_subtree_or_admins(client, auth, org_admin, world):
    auth.login(org_admin)
    before = _count()
    page = client.get("/admin/accounts/new").get_data(as_text=True)
    assert 'name="is_admin"' not in page
    r = client.post(
        "/admin/accounts/new",
        data={"name": "外人", "email": "a@example.org", "membership_org": "共青团成都市委"},
    )
    assert r.status_code == 403
    assert "你只能为自己管理的团组织创建账号" in r.get_data(as_text=True)
    r = client.post(
        "/admin/accounts/new",
        data={
            "name": "外人",
            "email": "b@example.org",
            "membership_org": "中城街道团工委",
            "is_admin": "y",
        },
    )
    assert r.status_code == 403
    r = client.post("/admin/accounts/new", data={"name": "无组织", "email": "c@example.org"})
    assert r.status_code == 422
    assert "请选择团组织" in r.get_data(as_text=True)
    assert _count() == before


def test_system_admin_can_create_system_admin(client, auth, admin, world):
    auth.login(admin)
    r = client.post(
        "/admin/accounts/new",
        data={"name": "新管理员", "email": "boss@example.org", "is_admin": "y"},
    )
    assert r.status_code == 303
    assert db.session.scalar(select(Person).where(Person.email == "boss@example.org")).is_admin


def test_create_account_bad_input(client, auth, admin, cadre):
    auth.login(admin)
    before = _count()
    cases = [
        ({"name": "", "email": "x@example.org"}, 422, "请输入姓名"),
        ({"name": "长" * 41, "email": "x@example.org"}, 422, "姓名太长"),
        ({"name": "甲", "email": "not-an-email"}, 422, "电子邮箱格式不正确"),
        ({"name": "甲", "email": "a@" + "b" * 260 + ".org"}, 422, "电子邮箱太长"),
        ({"name": "甲", "email": cadre.email.upper()}, 409, "该电子邮箱已被使用"),
        (
            {"name": "甲", "email": "x@example.org", "membership_org": "不存在的团委"},
            422,
            "团组织不存在",
        ),
        (
            {"name": "甲", "email": "x@example.org", "membership_org": "999999"},
            422,
            "所选项目已不存在",
        ),
        ({"name": "甲\x07", "email": "x@example.org"}, 422, "包含无效字符"),
    ]
    for data, status, message in cases:
        r = client.post("/admin/accounts/new", data=data)
        assert r.status_code == status, data
        assert message in r.get_data(as_text=True), data
    r = client.post("/admin/accounts/new", data=cases[4][0], headers={"HX-Request": "true"})
    assert r.status_code == 409 and "<html" not in r.get_data(as_text=True)
    assert _count() == before


def test_create_account_invalid_utf8(client, auth, admin, world):
    auth.login(admin)
    before = _count()
    r = client.post(
        "/admin/accounts/new",
        data=b"name=%FF%FE&email=bad%FF%40example.org",
        content_type="application/x-www-form-urlencoded",
    )
    assert r.status_code == 422
    assert "包含无效字符" in r.get_data(as_text=True)
    assert _count() == before
