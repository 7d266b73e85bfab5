"""Forgotten password: by e-mail when mail is configured, otherwise the page says whom to ask."""

from __future__ import annotations

import re

from directory.core.mail import init_app as init_mail
from directory.core.mail import mail


def test_without_mail_the_page_names_whom_to_ask(client, world, cadre) -> None:
    body = client.get("/auth/forgot").get_data(as_text=True)
    assert "所在团组织的管理员" in body and "重置密码并重新邀请" in body
    assert 'name="email"' not in body


def test_with_mail_a_link_sets_a_new_password_once(app, client, world, cadre) -> None:
    app.config.update(MAIL_ENABLED=True, MAIL_SUPPRESS_SEND=True)
    init_mail(app)
    with mail.record_messages() as outbox:
        page = client.get("/auth/forgot").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        data = {"email": " ZhangTong@example.org "}
        if token:
            data["csrf_token"] = token.group(1)
        r = client.post("/auth/forgot", data=data)
        unknown = client.post("/auth/forgot", data={**data, "email": "nobody@example.org"})
    assert r.status_code == 200 and "我们已发送一封邮件" in r.get_data(as_text=True)
    # The same answer for an unknown address: the page does not tell who is registered.
    assert unknown.status_code == 200 and "我们已发送一封邮件" in unknown.get_data(as_text=True)
    assert len(outbox) == 1 and outbox[0].recipients == ["zhangtong@example.org"]
    link = re.search(r"http://[^\s]+/auth/invite/[^\s]+", outbox[0].body).group(0)
    path = link.split("localhost", 1)[-1]
    set_page = client.get(path)
    assert set_page.status_code == 200 and "张彤" in set_page.get_data(as_text=True)
