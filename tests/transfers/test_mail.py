"""E-mail notices: sent after the commit when mail is on, one per recipient; none on refusal."""

from __future__ import annotations

import pytest

from directory.core.errors import Conflict
from directory.transfers import services as svc
from directory.transfers.models import TransferReason


@pytest.fixture
def app_config(app_config):
    return {**app_config, "MAIL_ENABLED": True}


@pytest.fixture
def sent(monkeypatch):
    outbox: list[tuple[str, str, str]] = []

    def fake_send(to, subject, body):  # type: ignore[no-untyped-def]
        outbox.append((to, subject, body))
        return True

    monkeypatch.setattr("directory.core.mail.send_mail", fake_send)
    return outbox


def test_step_mails_each_recipient_separately(cadre, org_admin, receiving, sent):
    t = svc.submit(cadre, cadre, receiving.branch, TransferReason.JOB)
    assert [m[0] for m in sent] == [org_admin.email]  # the admin who must act; not the actor
    assert "张彤" in sent[0][2] and f"/transfers/{t.id}" in sent[0][2]
    sent.clear()
    svc.approve_out(org_admin, t.id, t.version)
    assert sorted(m[0] for m in sent) == sorted([cadre.email, receiving.admin.email])


def test_refused_step_mails_nothing(cadre, org_admin, receiving, sent):
    t = svc.submit(cadre, cadre, receiving.branch, TransferReason.JOB)
    v = t.version
    svc.approve_out(org_admin, t.id, v)
    sent.clear()
    with pytest.raises(Conflict):
        svc.approve_out(org_admin, t.id, v)
    assert sent == []
