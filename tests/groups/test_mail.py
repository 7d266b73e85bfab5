"""E-mail notifications through a real local SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from directory.core.mail import send_mail
from directory.extensions import db
from directory.groups.notify import save_settings
from directory.groups.post_models import Post
from tests.groups.conftest import make_group, make_thread


class Inbox:
    """Collects every message the SMTP server accepts."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # type: ignore[no-untyped-def]
        self.messages.append(
            (list(envelope.rcpt_tos), envelope.original_content or envelope.content)
        )
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app_config) -> Iterator[Inbox]:  # type: ignore[no-untyped-def]
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    # Flask-Mail suppresses sending under TESTING unless told otherwise.
    app_config.update(
        MAIL_ENABLED=True, MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_SUPPRESS_SEND=False
    )
    try:
        yield inbox
    finally:
        controller.stop()


def _subject(raw: bytes) -> str:
    return str(make_header(decode_header(message_from_bytes(raw)["Subject"])))


def test_send_mail_delivers(smtp, app) -> None:  # type: ignore[no-untyped-def]
    with app.test_request_context("/"):
        assert send_mail("a@example.org", "测试主题", "正文") is True
    assert smtp.messages[0][0] == ["a@example.org"]
    assert _subject(smtp.messages[0][1]) == "测试主题"


def test_mail_is_off_by_default(app) -> None:  # type: ignore[no-untyped-def]
    assert app.config["MAIL_ENABLED"] is False
    with app.test_request_context("/"):
        assert send_mail("a@example.org", "x", "y") is False


def test_mention_sends_email_when_chosen(smtp, client, auth, owner, member, cadre) -> None:  # type: ignore[no-untyped-def]
    group = make_group(owner, "开放群", members=(member, cadre))
    thread = make_thread(owner, group, "例会通知")
    with client.application.test_request_context("/"):
        save_settings(member.id, {"group_mention": (True, True)})
    auth.login(cadre)
    body = f"@{member.name}#{member.id} 和 @{owner.name}#{owner.id} 请看"
    assert client.post(f"/groups/threads/{thread.id}/reply", data={"body": body}).status_code == 303
    # The member chose e-mail for mentions; the owner kept the defaults (in-app only).
    assert [m[0] for m in smtp.messages] == [[member.email]]
    raw = smtp.messages[0][1]
    assert "例会通知" in _subject(raw)
    post = db.session.scalar(select(Post).order_by(Post.id.desc()))
    assert f"/groups/threads/{thread.id}#post-{post.id}".encode() in message_from_bytes(
        raw
    ).get_payload(decode=True)


def test_mail_server_down_does_not_undo_the_post(app_config, client, auth, owner, member) -> None:  # type: ignore[no-untyped-def]
    app_config.update(
        MAIL_ENABLED=True, MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port(), MAIL_SUPPRESS_SEND=False
    )
    group = make_group(owner, "开放群", members=(member,))
    thread = make_thread(owner, group)
    with client.application.test_request_context("/"):
        save_settings(owner.id, {"group_reply": (True, True)})
    auth.login(member)
    assert (
        client.post(f"/groups/threads/{thread.id}/reply", data={"body": "收到"}).status_code == 303
    )
    assert db.session.scalar(select(Post).order_by(Post.id.desc())).body == "收到"
