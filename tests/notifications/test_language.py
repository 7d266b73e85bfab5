"""Notifications in the reader's language, whatever the sender's (issue 10).

A notification is stored as its message id and values (core/messages.py) and rendered when
it is read; rows from before keep their stored text. E-mail, whose reader's language is not
known when it is sent, says it in each language.
"""

from __future__ import annotations

from email import message_from_bytes

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from directory.core.messages import Message, _m, rendered
from directory.extensions import db
from directory.groups.notify import save_settings
from directory.notifications.models import Notification
from directory.notifications.services import notify
from directory.transfers.models import TransferState
from tests.groups.conftest import make_group, make_thread, member, owner  # noqa: F401
from tests.groups.test_mail import _subject, smtp  # noqa: F401  (the SMTP fixture)


@pytest.fixture
def app(app):
    from flask_babel import refresh

    # Test requests share the test's `g`, where Flask-Babel caches the locale.
    app.before_request(refresh)
    return app


def _picked(person) -> dict[str, str]:
    return {"person": str(person.id), "person_q": person.name, "person_label": person.name}


def test_sent_in_english_read_in_chinese_and_the_other_way(client, auth, world, org_admin, cadre):
    auth.login(org_admin)
    r = client.post(f"/orgs/{world.street_org.id}/admins?lang=en", data=_picked(cadre))
    assert r.status_code == 303
    note = db.session.scalar(select(Notification).where(Notification.person_id == cadre.id))
    assert note.message_key == "你已被设为“%(org)s”的管理员。"
    assert note.message_values == {"org": "中城街道团工委"}
    auth.logout()
    auth.login(cadre)
    zh = client.get("/notifications/?lang=zh").get_data(as_text=True)
    assert "你已被设为“中城街道团工委”的管理员。" in zh and "You are now" not in zh
    en = client.get("/notifications/?lang=en").get_data(as_text=True)
    assert "You are now an admin of “中城街道团工委”." in en and "你已被设为" not in en
    # The API speaks the caller's language too.
    api = client.get("/api/v1/notifications", headers={"Accept-Language": "en"}).get_json()
    assert api["items"][0]["message"] == "You are now an admin of “中城街道团工委”."


def test_a_value_that_is_itself_a_message_is_translated_too(app, cadre):
    with app.test_request_context("/"):
        step = TransferState.SUBMITTED.message
        assert step == Message("待转出审批")
        notify(
            [cadre.id],
            "transfer",
            _m(
                "%(name)s 的组织关系转接（%(src)s → %(dst)s）：%(step)s",
                name="张彤",
                src="甲",
                dst="乙",
                step=step,
            ),
        )
        db.session.commit()
        note = db.session.scalar(select(Notification))
        assert note.message == "张彤 的组织关系转接（甲 → 乙）：待转出审批"
        with force_locale("en"):
            assert note.text == "Transfer of 张彤 (甲 → 乙): Waiting for transfer-out approval"


def test_rows_from_before_and_broken_values_show_the_stored_text(app, cadre):
    with app.test_request_context("/"):
        db.session.add(Notification(person_id=cadre.id, kind="x", message="旧的通知"))
        db.session.commit()
        with force_locale("en"):
            assert db.session.scalar(select(Notification)).text == "旧的通知"
            assert rendered("你被安排联系 %(org)s。", {}, "存储的文字") == "存储的文字"
            assert rendered("group role\x04管理员", None, "") == "Moderator"


def test_mention_mail_says_it_in_each_language(smtp, client, auth, owner, member, cadre):  # noqa: F811
    group = make_group(owner, "开放群", members=(member, cadre))
    thread = make_thread(owner, group, "例会通知")
    with client.application.test_request_context("/"):
        save_settings(member.id, {"group_mention": (True, True)})
    auth.login(cadre)
    r = client.post(
        f"/groups/threads/{thread.id}/reply?lang=en",
        data={"body": "@周杰 请看", "mention": [str(member.id)]},
    )
    assert r.status_code == 303
    [(_to, raw)] = smtp.messages
    body = message_from_bytes(raw).get_payload(decode=True).decode()
    assert "张彤 在话题“例会通知”中提到了你" in body
    assert "张彤 mentioned you in “例会通知”" in body
    subject = _subject(raw)
    assert subject.startswith("[团友录 / League Friends]") and "提到了你" in subject
