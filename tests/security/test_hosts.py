"""E-mailed links use the canonical base URL; other Host headers are refused (finding 4)."""

from __future__ import annotations

import pytest
from flask import g

from directory.core import mail
from directory.groups import notify as group_notify
from directory.transfers import notify as transfer_notify

BASE = "https://tyl.example.cn"


@pytest.fixture
def canonical(app_config):
    app_config["BASE_URL"] = BASE + "/"
    return app_config


@pytest.fixture
def outbox(monkeypatch):
    sent: list[tuple[str, str, str]] = []

    def fake_send(to, subject, body):  # type: ignore[no-untyped-def]
        sent.append((to, subject, body))
        return True

    monkeypatch.setattr(mail, "send_mail", fake_send)
    return sent


def test_unknown_host_header_is_400(client):
    assert client.get("/auth/login").status_code == 200
    assert client.get("/auth/login", headers={"Host": "evil.example"}).status_code == 400
    r = client.get("/auth/login", base_url="http://attacker.example:8080")
    assert r.status_code == 400


def test_base_url_host_is_trusted(canonical, app):
    assert "tyl.example.cn" in app.config["TRUSTED_HOSTS"]
    r = app.test_client().get("/auth/login", base_url=BASE)
    assert r.status_code == 200


def test_invitation_link_uses_base_url_not_the_request_host(canonical, client, auth, admin, world):
    auth.login(admin)
    r = client.post(
        "/admin/accounts/new",
        data={"name": "陈静", "email": "chenjing@example.org", "membership_org": "中城街道团工委"},
    )
    assert r.status_code == 303
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    link = page.split('id="invitation-link" type="text" readonly value="')[1].split('"')[0]
    assert link.startswith(BASE + "/auth/invite/"), link


def test_group_and_transfer_mail_links_use_base_url(canonical, app, outbox):
    with app.test_request_context("/", base_url="http://localhost"):
        g.group_mail_queue = [("a@example.org", "有人提到了你", "/groups/3/threads/4")]
        assert group_notify.send_queued_mail() == 1
    assert f"{BASE}/groups/3/threads/4" in outbox[-1][2]


def test_transfer_mail_links_use_base_url(canonical, app, outbox, cadre):
    with app.test_request_context("/", base_url="http://localhost"):
        g.transfer_mail = [({cadre.id}, "转接已提交", transfer_notify.transfer_link(7))]
        assert transfer_notify.send_queued_mail() == 1
    assert outbox[-1][2].endswith(f"{BASE}/transfers/7"), outbox[-1][2]


def test_cli_invitation_uses_configured_base_url(canonical, runner, cadre):
    r = runner.invoke(args=["invite", cadre.email])
    assert r.exit_code == 0, r.output
    assert r.output.strip().startswith(BASE + "/auth/invite/")


@pytest.fixture(params=["base_url", "trusted_hosts"])
def production_hosts(request, app_config):
    """The hosts as a deployment sets them (docs/DEPLOY.md): the canonical base URL, or a
    list of trusted hosts; neither trusts Flask's default `localhost`."""
    if request.param == "base_url":
        app_config["BASE_URL"] = BASE + "/"
        app_config["TRUSTED_HOSTS"] = ()  # the test settings trust localhost
    else:
        app_config["TRUSTED_HOSTS"] = ("tyl.example.cn", "10.0.0.5")
    return request.param


def test_work_outside_a_request_builds_its_links_under_production_hosts(
    production_hosts, app, runner, outbox, owner, world
):
    """CLI commands and background jobs have no request: the context they make for the
    locale and `url_for` must be one the trusted-host check lets through (with Flask's
    default `localhost` every `url_for` in it failed: `flask demo-activity`, the mention
    links of `flask groups rerender-posts`, a notice's link in its delivery job)."""
    from sqlalchemy import select

    from directory.extensions import db
    from directory.groups.post_models import Post
    from directory.notices import delivery
    from tests.factories import make_person
    from tests.groups.conftest import make_group, make_thread

    mentioned = make_person(name="李明", membership_org_id=world.street_org.id)
    thread = make_thread(
        owner, make_group(owner, members=(mentioned,)), body=f"请 @李明#{mentioned.id} 看看"
    )
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    assert post is not None and f'href="/people/{mentioned.id}"' in post.body_html
    post.body_html = "<p>旧的</p>"
    db.session.commit()

    result = runner.invoke(args=["groups", "rerender-posts"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert f'href="/people/{mentioned.id}"' in db.session.get(Post, post.id).body_html
    assert delivery.notice_link(7) == "/notices/7"
    result = runner.invoke(args=["transfers", "remind"])
    assert result.exit_code == 0 and "reminded 0" in result.output, result.output
