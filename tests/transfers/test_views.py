"""The transfer pages, as each persona, full page and htmx fragment, with bad input."""

from __future__ import annotations

import sqlalchemy as sa

from directory.extensions import db
from directory.people.models import Person
from directory.transfers import services as svc
from directory.transfers.models import Transfer, TransferEvent, TransferReason, TransferState

S = TransferState
HX = {"HX-Request": "true"}


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_index_lists_my_transfers(client, auth, cadre, submitted):
    auth.login(cadre)
    page = client.get("/transfers/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "成都七中团支部" in html and "待转出审批" in html
    frag = client.get("/transfers/", headers=HX)
    assert "<html" not in frag.get_data(as_text=True)
    assert "成都七中团支部" in frag.get_data(as_text=True)
    assert "HX-Request" in frag.headers["Vary"]


def test_index_requires_login(client):
    r = client.get("/transfers/")
    assert r.status_code == 302 and "/auth/login" in r.headers["Location"]


def test_member_starts_own_transfer(client, auth, cadre, receiving):
    auth.login(cadre)
    form = client.get("/transfers/new").get_data(as_text=True)
    assert "转入团组织" in form and 'name="member"' not in form
    r = client.post(
        "/transfers/new",
        data={
            "destination": f"成都七中团支部 #{receiving.branch.id}",
            "reason": "job",
            "note": "调动",
        },
    )
    assert r.status_code == 303
    t = db.session.scalars(sa.select(Transfer)).one()
    assert r.headers["Location"].endswith(f"/transfers/{t.id}")
    assert (t.person_id, t.to_org_id, t.state) == (cadre.id, receiving.branch.id, S.SUBMITTED)


def test_new_with_htmx_redirects_the_browser(client, auth, cadre, receiving):
    auth.login(cadre)
    r = client.post(
        "/transfers/new",
        data={"destination": str(receiving.branch.id), "reason": "job"},
        headers=HX,
    )
    assert r.status_code == 204 and r.headers["HX-Redirect"].startswith("/transfers/")


def test_new_bad_input_shows_message_and_writes_nothing(client, auth, cadre, world, receiving):
    auth.login(cadre)
    r = client.post("/transfers/new", data={"destination": "", "reason": "job"})
    assert r.status_code == 422 and "请选择转入的团组织" in r.get_data(as_text=True)
    r = client.post("/transfers/new", data={"destination": "不存在的组织", "reason": "job"})
    assert r.status_code == 404 and "团组织不存在" in r.get_data(as_text=True)
    r = client.post("/transfers/new", data={"destination": str(world.branch.id), "reason": "job"})
    assert r.status_code == 422 and "已在" in r.get_data(as_text=True)
    r = client.post(
        "/transfers/new", data={"destination": str(receiving.branch.id), "reason": "bogus"}
    )
    assert r.status_code == 422
    frag = client.post("/transfers/new", data={"destination": "", "reason": "job"}, headers=HX)
    assert frag.status_code == 422 and "<html" not in frag.get_data(as_text=True)
    assert 'id="new-transfer"' in frag.get_data(as_text=True)
    assert _count(Transfer) == 0 and _count(TransferEvent) == 0


def test_admin_starts_transfer_for_member(client, auth, cadre, org_admin, receiving):
    auth.login(org_admin)
    assert 'name="member"' in client.get("/transfers/new").get_data(as_text=True)
    r = client.post(
        "/transfers/new",
        data={
            "member": cadre.email,
            "destination": str(receiving.branch.id),
            "reason": "graduation",
        },
    )
    assert r.status_code == 303
    t = db.session.scalars(sa.select(Transfer)).one()
    assert t.person_id == cadre.id and t.state == S.APPROVED_OUT


def test_outsider_cannot_start_for_others(client, auth, cadre, outsider, receiving):
    auth.login(outsider)
    r = client.post(
        "/transfers/new",
        data={
            "member": f"张彤 #{cadre.id}",
            "destination": str(receiving.branch.id),
            "reason": "job",
        },
    )
    assert r.status_code == 403 and _count(Transfer) == 0


def test_show_visibility(client, auth, cadre, org_admin, outsider, receiving, admin, submitted):
    url = f"/transfers/{submitted.id}"
    for who, ok in (
        (cadre, True),
        (org_admin, True),
        (receiving.admin, True),
        (admin, True),
        (outsider, False),
    ):
        auth.login(who)
        r = client.get(url)
        assert r.status_code == (200 if ok else 404), who.name
        auth.logout()
    auth.login(outsider)
    assert client.get("/transfers/999999").status_code == 404


def test_show_offers_actions_by_role(client, auth, cadre, org_admin, receiving, submitted):
    auth.login(org_admin)
    html = client.get(f"/transfers/{submitted.id}").get_data(as_text=True)
    assert "同意转出" in html and "退回" in html and "接收转入" not in html
    auth.logout()
    auth.login(receiving.admin)
    html = client.get(f"/transfers/{submitted.id}").get_data(as_text=True)
    assert "同意转出" not in html and "接收转入" not in html
    auth.logout()
    auth.login(cadre)
    html = client.get(f"/transfers/{submitted.id}").get_data(as_text=True)
    assert "撤回申请" in html and "同意转出" not in html
    assert "提交申请" in html  # the timeline


def test_approve_as_fragment_and_full_page(client, auth, org_admin, submitted):
    auth.login(org_admin)
    r = client.post(
        f"/transfers/{submitted.id}/approve", data={"version": submitted.version}, headers=HX
    )
    assert r.status_code == 200 and "HX-Request" in r.headers["Vary"]
    html = r.get_data(as_text=True)
    assert "<html" not in html and "待转入接收" in html and "已通过转出审批" in html
    db.session.refresh(submitted)
    assert submitted.state == S.APPROVED_OUT


def test_stale_page_gets_already_handled(client, auth, org_admin, submitted):
    auth.login(org_admin)
    v = submitted.version
    assert client.post(f"/transfers/{submitted.id}/approve", data={"version": v}).status_code == 303
    r = client.post(f"/transfers/{submitted.id}/approve", data={"version": v})
    assert r.status_code == 409 and "已被处理" in r.get_data(as_text=True)
    r = client.post(f"/transfers/{submitted.id}/return", data={"version": v, "reason": "x"})
    assert r.status_code == 409
    events = db.session.scalars(sa.select(TransferEvent.action)).all()
    assert [e.value for e in events] == ["submit", "approve_out"]


def test_return_needs_a_reason(client, auth, org_admin, submitted):
    auth.login(org_admin)
    r = client.post(f"/transfers/{submitted.id}/return", data={"version": submitted.version})
    assert r.status_code == 422 and "请填写退回理由" in r.get_data(as_text=True)
    r = client.post(f"/transfers/{submitted.id}/approve", data={"version": "abc"})
    assert r.status_code == 422
    assert client.post(f"/transfers/{submitted.id}/explode", data={}).status_code == 404
    db.session.refresh(submitted)
    assert submitted.state == S.SUBMITTED


def test_outsider_cannot_act(client, auth, outsider, cadre, submitted):
    auth.login(outsider)
    r = client.post(f"/transfers/{submitted.id}/withdraw", data={"version": submitted.version})
    assert r.status_code == 404
    auth.logout()
    auth.login(cadre)
    r = client.post(f"/transfers/{submitted.id}/approve", data={"version": submitted.version})
    assert r.status_code == 403 and "无权" in r.get_data(as_text=True)


def test_accept_into_committee_needs_branch(client, auth, cadre, org_admin, receiving):
    t = svc.submit(org_admin, cadre, receiving.committee, TransferReason.JOB)
    auth.login(receiving.admin)
    html = client.get(f"/transfers/{t.id}").get_data(as_text=True)
    assert 'name="branch"' in html and "接收转入" in html
    r = client.post(f"/transfers/{t.id}/accept", data={"version": t.version})
    assert r.status_code == 422 and "请指定接收的团支部" in r.get_data(as_text=True)
    r = client.post(
        f"/transfers/{t.id}/accept",
        data={"version": t.version, "branch": f"x #{receiving.branch.id}", "end_positions": "y"},
    )
    assert r.status_code == 303
    assert db.session.get(Person, cadre.id).membership_org_id == receiving.branch.id


def test_resubmit_after_return(client, auth, cadre, org_admin, receiving, submitted):
    svc.return_(org_admin, submitted.id, submitted.version, "请改到市委")
    auth.login(cadre)
    html = client.get(f"/transfers/{submitted.id}").get_data(as_text=True)
    assert "请改到市委" in html and "修改并重新提交" in html
    r = client.post(
        f"/transfers/{submitted.id}/resubmit",
        data={"version": submitted.version, "destination": "", "reason": "job"},
    )
    assert r.status_code == 422
    r = client.post(
        f"/transfers/{submitted.id}/resubmit",
        data={
            "version": submitted.version,
            "destination": str(receiving.committee.id),
            "reason": "study",
            "note": "改了",
        },
    )
    assert r.status_code == 303
    db.session.refresh(submitted)
    assert submitted.state == S.SUBMITTED and submitted.to_org_id == receiving.committee.id


def test_org_options(client, auth, cadre, receiving):
    auth.login(cadre)
    frag = client.get("/transfers/org-options?destination=成都", headers=HX)
    html = frag.get_data(as_text=True)
    assert 'data-label="成都七中团支部"' in html and "<html" not in html
    assert f'data-value="{receiving.branch.id}"' in html
    page = client.get("/transfers/org-options?q=成都").get_data(as_text=True)
    assert "<html" in page and f'href="/orgs/{receiving.committee.id}">共青团成都市委</a>' in page
    assert f"#{receiving.committee.id}" not in page  # no id shown to copy
    within = client.get(
        f"/transfers/org-options?branch=&within={receiving.committee.id}", headers=HX
    ).get_data(as_text=True)
    assert 'data-label="成都七中团支部"' in within and 'data-label="共青团成都市委"' not in within


def test_member_markers_are_loaded_by_views_not_templates(app, cadre, submitted, outsider):
    from directory.transfers.accepting import open_transfer_ids

    assert open_transfer_ids([cadre.id, outsider.id]) == {cadre.id}
    # The views load the markers (tests/transfers/test_roster.py checks the pages).
    assert "in_transfer_ids" not in app.jinja_env.globals
    assert "transfer_markers" not in app.jinja_env.globals


def test_english_pages(client, auth, cadre, org_admin, submitted):
    auth.login(org_admin)
    html = client.get(f"/transfers/{submitted.id}?lang=en").get_data(as_text=True)
    assert "Approve transfer out" in html and "Waiting for transfer-out approval" in html
    assert "History" in html and "同意转出" not in html
    html = client.get(f"/transfers/orgs/{org_admin.admin_of[0].organisation_id}?lang=en").get_data(
        as_text=True
    )
    assert "Waiting for my approval: out" in html


def test_index_links_dashboards(client, auth, org_admin, admin, cadre, world):
    auth.login(org_admin)
    html = client.get("/transfers/").get_data(as_text=True)
    assert f"/transfers/orgs/{world.county_org.id}" in html
    auth.logout()
    auth.login(admin)
    html = client.get("/transfers/").get_data(as_text=True)
    assert f"/transfers/orgs/{world.province_org.id}" in html
    auth.logout()
    auth.login(cadre)
    assert "/transfers/orgs/" not in client.get("/transfers/").get_data(as_text=True)


def test_english_new_form_reasons_and_audit_notes(client, auth, cadre, org_admin, receiving):
    """Issue 10: the submit button, reasons, system audit notes and colons read as English."""
    # 李明 (an admin of the sending side) starts it in Chinese: the automatic approval note
    # is written then, and must still read as English to an English reader.
    t = svc.submit(org_admin, cadre, receiving.branch, TransferReason.GRADUATION, "")
    auth.login(cadre)
    html = client.get("/transfers/new?lang=en").get_data(as_text=True)
    assert ">Submit request</button>" in html
    assert "Graduation" in html and "毕业" not in html
    html = client.get(f"/transfers/{t.id}?lang=en").get_data(as_text=True)
    assert "counts as the transfer-out approval" in html
    assert "视为转出审批通过" not in html and "毕业" not in html
    assert "：" not in html.split("<main", 1)[1]  # full-width colons only in Chinese
