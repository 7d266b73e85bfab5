from directory.extensions import db
from directory.people.models import Person


def test_login_page_renders_in_chinese(client):
    r = client.get("/auth/login")
    assert r.status_code == 200
    assert "登录团友录" in r.get_data(as_text=True)
    assert "HX-Request" in r.headers["Vary"]


def test_login_and_logout(client, auth, cadre):
    r = auth.login(cadre)
    assert r.status_code == 302
    assert client.get("/").status_code == 200
    auth.logout()
    assert client.get("/").status_code == 302


def test_wrong_password_is_422_with_message(client, auth, cadre):
    r = auth.login(cadre, "wrong-password")
    assert r.status_code == 422
    assert "电子邮箱或密码不正确" in r.get_data(as_text=True)


def test_home_requires_login(client, world):
    r = client.get("/")
    assert r.status_code == 302
    assert "/auth/login" in r.headers["Location"]


def test_open_redirect_refused(client, auth, cadre):
    r = client.post(
        "/auth/login?next=https://evil.example/",
        data={"email": cadre.email, "password": "correct-horse-9"},
    )
    assert r.headers["Location"] == "/"


def test_password_change_ends_other_sessions(app, auth, cadre):
    other = app.test_client()
    other.post("/auth/login", data={"email": cadre.email, "password": "correct-horse-9"})
    auth.login(cadre)
    r = auth.client.post(
        "/auth/password",
        data={
            "current_password": "correct-horse-9",
            "new_password": "new-secret-42",
            "confirm": "new-secret-42",
        },
    )
    assert r.status_code == 303
    assert auth.client.get("/").status_code == 200
    assert other.get("/").status_code == 302
    auth.logout()
    assert auth.login(cadre, "new-secret-42").status_code == 302


def test_password_change_bad_input(auth, cadre):
    auth.login(cadre)
    r = auth.client.post(
        "/auth/password",
        data={"current_password": "nope", "new_password": "new-secret-42", "confirm": "x"},
    )
    assert r.status_code == 422
    assert "两次输入的密码不一致" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Person, cadre.id).password_hash == cadre.password_hash


def test_login_form_as_htmx_fragment(client, cadre):
    r = client.post(
        "/auth/login",
        data={"email": cadre.email, "password": "nope"},
        headers={"HX-Request": "true"},
    )
    body = r.get_data(as_text=True)
    assert r.status_code == 422
    assert "<html" not in body and 'id="login-form"' in body
    assert "电子邮箱或密码不正确" in body
    assert "HX-Request" in r.headers["Vary"]


def test_passwords_are_argon2id(app, cadre):
    from directory.core.passwords import hash_password

    assert hash_password("whatever-123").startswith("$argon2id$")
    assert cadre.password_hash.startswith("$argon2id$")


def test_weak_hash_is_upgraded_at_login(app, client, cadre, app_config):
    from argon2 import PasswordHasher

    weak = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash("correct-horse-9")
    cadre.password_hash = weak
    db.session.commit()
    assert (
        client.post(
            "/auth/login", data={"email": cadre.email, "password": "correct-horse-9"}
        ).status_code
        == 302
    )
    db.session.expire_all()
    upgraded = db.session.get(Person, cadre.id).password_hash
    assert upgraded != weak and upgraded.startswith("$argon2id$")


def test_session_is_cleared_at_login(client, auth, cadre):
    """Session fixation: nothing planted before sign-in survives it."""
    with client.session_transaction() as s:
        s["planted"] = "attacker-value"
    auth.login(cadre)
    with client.session_transaction() as s:
        assert "planted" not in s
        assert s.get("_user_id", "").startswith(f"{cadre.id}:")


def test_remember_me_restores_login_in_a_new_client(app, client, cadre):
    r = client.post(
        "/auth/login", data={"email": cadre.email, "password": "correct-horse-9", "remember": "y"}
    )
    assert r.status_code == 302
    cookie = client.get_cookie("remember_token")
    assert cookie is not None and cookie.http_only
    assert app.test_client().get("/").status_code == 302
    fresh = app.test_client()
    fresh.set_cookie("remember_token", cookie.value)
    assert fresh.get("/").status_code == 200


def test_no_remember_cookie_without_the_tick(client, cadre):
    client.post("/auth/login", data={"email": cadre.email, "password": "correct-horse-9"})
    assert client.get_cookie("remember_token") is None


def test_remember_cookie_dies_with_password_change(app, client, cadre):
    client.post(
        "/auth/login", data={"email": cadre.email, "password": "correct-horse-9", "remember": "y"}
    )
    cookie = client.get_cookie("remember_token")
    client.post(
        "/auth/password",
        data={
            "current_password": "correct-horse-9",
            "new_password": "new-secret-42",
            "confirm": "new-secret-42",
        },
    )
    fresh = app.test_client()
    fresh.set_cookie("remember_token", cookie.value)
    assert fresh.get("/").status_code == 302


def test_deactivated_account_cannot_sign_in_or_keep_session(app, client, auth, cadre):
    auth.login(cadre)
    assert client.get("/").status_code == 200
    cadre.is_active_account = False
    db.session.commit()
    assert client.get("/").status_code == 302
    r = app.test_client().post(
        "/auth/login", data={"email": cadre.email, "password": "correct-horse-9"}
    )
    assert r.status_code == 422
    assert "电子邮箱或密码不正确" in r.get_data(as_text=True)


def test_login_bad_input(client, cadre):
    cases = [
        ({"email": "", "password": ""}, "请输入电子邮箱"),
        ({"email": "not-an-email", "password": "x"}, "电子邮箱格式不正确"),
        ({"email": "a" * 250 + "@example.org", "password": "x"}, "电子邮箱太长"),
        ({"email": cadre.email, "password": "x" * 201}, "密码太长"),
    ]
    for data, message in cases:
        r = client.post("/auth/login", data=data)
        assert r.status_code == 422, data
        assert message in r.get_data(as_text=True), data


def test_login_invalid_utf8(client, cadre):
    for body in (b"email=%FF%FE%40example.org&password=x", b"email=\xff\xfe&password=x"):
        r = client.post("/auth/login", data=body, content_type="application/x-www-form-urlencoded")
        assert r.status_code == 422, body
        assert "包含无效字符" in r.get_data(as_text=True), body
    with client.session_transaction() as s:
        assert "_user_id" not in s


def test_password_page_full_and_fragment(client, auth, cadre):
    auth.login(cadre)
    assert "<html" in client.get("/auth/password").get_data(as_text=True)
    r = client.post(
        "/auth/password",
        data={"current_password": "x", "new_password": "y", "confirm": "y"},
        headers={"HX-Request": "true"},
    )
    assert r.status_code == 422
    assert "<html" not in r.get_data(as_text=True)
    assert "当前密码不正确" in r.get_data(as_text=True)


def test_password_change_weak_and_invalid_utf8(client, auth, cadre):
    auth.login(cadre)
    before = cadre.password_hash
    r = client.post(
        "/auth/password",
        data={
            "current_password": "correct-horse-9",
            "new_password": "1234567",
            "confirm": "1234567",
        },
    )
    assert r.status_code == 422 and "密码至少需要 8 个字符" in r.get_data(as_text=True)
    r = client.post(
        "/auth/password", data=b"\xff\xfe", content_type="application/x-www-form-urlencoded"
    )
    assert r.status_code == 422 and "包含无效字符" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Person, cadre.id).password_hash == before
