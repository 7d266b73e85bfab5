"""Invalid UTF-8 is refused even with CSRF on (finding 7); control characters are refused
in single-line fields, line breaks kept in multi-line ones (finding 12)."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from flask import g
from sqlalchemy import func, select

from directory.extensions import db
from directory.groups.post_models import Thread
from directory.people.models import Person
from directory.web.forms import text_problem
from tests.groups.conftest import make_group
from tests.people.test_edit import GOOD


@pytest.fixture
def csrf_on(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


@pytest.fixture
def csrf_app(csrf_on, app):
    @app.before_request
    def _fresh_csrf_cache() -> None:
        g.pop("csrf_token", None)

    return app


def _token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def _person(person_id: int) -> tuple[str, str]:
    db.session.expire_all()
    p = db.session.get(Person, person_id)
    return p.name, p.bio


@pytest.mark.parametrize(
    "raw", [b"name=%E5%BC%A0%FF", b"bio=%C3%28", b"name=%E5%BC%A0&bio=ok%FE%FF"]
)
def test_invalid_utf8_refused_with_csrf_on(csrf_app, auth, cadre, raw):
    client = csrf_app.test_client()
    login = {"email": cadre.email, "password": "correct-horse-9"}
    r = client.post("/auth/login", data={**login, "csrf_token": _token(client, "/auth/login")})
    assert r.status_code == 302
    before = _person(cadre.id)
    token = _token(client, f"/people/{cadre.id}/edit")
    fields = dict(GOOD)
    for pair in raw.split(b"&"):
        fields.pop(pair.split(b"=")[0].decode(), None)
    body = b"&".join(f"{k}={quote(v)}".encode() for k, v in fields.items())
    body += b"&csrf_token=" + token.encode() + b"&" + raw
    r = client.post(
        f"/people/{cadre.id}/edit", data=body, content_type="application/x-www-form-urlencoded"
    )
    assert r.status_code == 422
    assert "包含无效字符" in r.get_data(as_text=True)
    assert _person(cadre.id) == before


@pytest.mark.parametrize("name", ["张\r\n彤", "张\t彤", "张\x00彤", "张\u2028彤", "张\x85彤"])
def test_control_characters_refused_in_a_name(client, auth, cadre, name):
    auth.login(cadre)
    before = _person(cadre.id)
    r = client.post(f"/people/{cadre.id}/edit", data={**GOOD, "name": name})
    assert r.status_code == 422
    assert "控制字符" in r.get_data(as_text=True)
    assert _person(cadre.id) == before


def test_line_breaks_kept_in_a_bio(client, auth, cadre):
    auth.login(cadre)
    r = client.post(f"/people/{cadre.id}/edit", data={**GOOD, "bio": "第一行\r\n第二行\t完"})
    assert r.status_code == 303
    assert "第二行" in _person(cadre.id)[1]


@pytest.mark.parametrize("title", ["标题\r\n伪造的第二行", "标题\n", "\x1b[31m标题"])
def test_control_characters_refused_in_a_thread_title(client, auth, owner, title):
    group = make_group(owner)
    auth.login(owner)
    r = client.post(f"/groups/{group.id}/threads/new", data={"title": title, "body": "正文"})
    assert r.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Thread)) == 0


def test_the_cleaner():
    assert text_problem("张彤 Zhang-Tong", single_line=True) is None
    assert text_problem("a\nb", single_line=False) is None
    assert text_problem("a\nb", single_line=True)
    assert text_problem("a\x7fb", single_line=False)
    assert text_problem("a\ufffdb", single_line=False)
