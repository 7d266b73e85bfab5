from directory.extensions import db
from directory.models import Person


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
    assert r.status_code == 302
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
