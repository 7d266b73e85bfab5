"""API: notices received and followed, opening (marks read), replying (scope), coverage."""

from __future__ import annotations

from sqlalchemy import select

from directory.extensions import db
from directory.notices.models import NoticeRecipient
from tests.api.conftest import ApiWorld, bearer, make_token
from tests.factories import make_person


def _copy(notice_id: int, person_id: int) -> NoticeRecipient | None:
    db.session.expire_all()
    return db.session.scalar(
        select(NoticeRecipient).where(
            NoticeRecipient.notice_id == notice_id, NoticeRecipient.person_id == person_id
        )
    )


def test_a_recipient_lists_opens_and_so_reads_a_notice(app, client, api_world: ApiWorld) -> None:
    w = api_world
    h = bearer(make_token(app, w.cadre))
    listed = client.get("/api/v1/notices", headers=h).get_json()
    assert [n["id"] for n in listed["items"]] == [w.notice_id]
    item = listed["items"][0]
    assert item["read_at"] is None and item["reply_required"] is True
    assert item["organisation"]["id"] == w.world.county_org.id and listed["next"] is None
    assert _copy(w.notice_id, w.cadre.id).read_at is None
    r = client.get(f"/api/v1/notices/{w.notice_id}", headers=h)
    assert r.status_code == 200
    body = r.get_json()
    assert body["mine"]["read_at"] and body["coverage_visible"] is False
    assert "<strong>按时</strong>" in body["body_html"] and body["body"] == "请**按时**报送。"
    assert _copy(w.notice_id, w.cadre.id).read_at is not None
    # A plain cadre follows no coverage: nothing sent, the coverage does not exist for her.
    assert client.get("/api/v1/notices/sent", headers=h).get_json()["items"] == []
    assert client.get(f"/api/v1/notices/{w.notice_id}/coverage", headers=h).status_code == 404


def test_replying_needs_the_notices_scope(app, client, api_world: ApiWorld) -> None:
    w = api_world
    url = f"/api/v1/notices/{w.notice_id}/reply"
    read_only = client.post(url, json={"reply": "收到"}, headers=bearer(make_token(app, w.cadre)))
    assert read_only.status_code == 403 and "notices" in read_only.get_json()["detail"]
    transfers_only = bearer(make_token(app, w.cadre, ("transfers",)))
    assert client.post(url, json={"reply": "收到"}, headers=transfers_only).status_code == 403
    assert _copy(w.notice_id, w.cadre.id).replied_at is None
    h = bearer(make_token(app, w.cadre, ("notices",)))
    blank = client.post(url, json={"reply": "   "}, headers=h)
    assert blank.status_code == 422 and blank.get_json()["errors"][0]["field"] == "reply"
    unknown = client.post(url, json={"reply": "收到", "x": 1}, headers=h)
    assert unknown.status_code == 422
    done = client.post(url, json={"reply": "收到，按时报送。"}, headers=h)
    assert done.status_code == 200
    mine = done.get_json()["mine"]
    assert mine["reply"] == "收到，按时报送。" and mine["replied_at"] and mine["read_at"]
    copy = _copy(w.notice_id, w.cadre.id)
    assert copy.reply == "收到，按时报送。" and copy.read_at is not None


def test_the_sender_sees_coverage_and_replies(app, client, api_world: ApiWorld) -> None:
    w = api_world
    h = bearer(make_token(app, w.org_admin))
    sent = client.get("/api/v1/notices/sent", headers=h).get_json()["items"]
    assert [n["id"] for n in sent] == [w.notice_id] and sent[0]["status"] == "sent"
    total = sent[0]["recipient_count"]
    assert total >= 3  # 张彤, 秦风 and the sender himself (a confirmed 副书记 there)
    cov = client.get(f"/api/v1/notices/{w.notice_id}/coverage", headers=h).get_json()
    assert cov["organisation"]["id"] == w.world.county_org.id
    assert cov["total"] == {"total": total, "read": 0, "replied": 0, "unread": total, "read_pct": 0}
    assert sum(r["total"] for r in cov["rows"]) + cov["own"]["total"] == total
    assert "张彤" in [p["name"] for p in cov["unread"]] and cov["replies"] == []
    client.post(
        f"/api/v1/notices/{w.notice_id}/reply",
        json={"reply": "收到"},
        headers=bearer(make_token(app, w.cadre, ("notices",))),
    )
    cov = client.get(f"/api/v1/notices/{w.notice_id}/coverage", headers=h).get_json()
    assert cov["total"]["read"] == 1 and cov["total"]["replied"] == 1
    assert "张彤" not in [p["name"] for p in cov["unread"]]
    assert [(r["name"], r["reply"]) for r in cov["replies"]] == [("张彤", "收到")]
    # Drilling down to a part of the subtree.
    street = w.world.street_org.id
    part = client.get(f"/api/v1/notices/{w.notice_id}/coverage?org={street}", headers=h)
    assert part.status_code == 200 and part.get_json()["organisation"]["id"] == street
    # The sender opening it: coverage visible, and his own copy read.
    detail = client.get(f"/api/v1/notices/{w.notice_id}", headers=h).get_json()
    assert detail["coverage_visible"] is True and detail["mine"]["read_at"]


def test_statuses_match_the_notice_pages(app, client, auth, api_world: ApiWorld) -> None:
    """Outsider, wrong admin, lower admin: each gets from the API what the pages answer."""
    w = api_world
    wrong_admin = make_person(
        name="钱进", membership_org_id=w.world.chengdu_org.id, admin_of=[w.world.chengdu_org]
    )
    lower_admin = make_person(
        name="周强", membership_org_id=w.world.street_org.id, admin_of=[w.world.street_org]
    )
    n = w.notice_id
    county = w.world.county_org.id
    cases = [
        (f"/api/v1/notices/{n}", f"/notices/{n}"),
        (f"/api/v1/notices/{n}/coverage", f"/notices/{n}/coverage"),
        (f"/api/v1/notices/{n}/coverage?org={county}", f"/notices/{n}/coverage?org={county}"),
        ("/api/v1/notices/999999", "/notices/999999"),
    ]
    expected = {
        w.outsider.id: [404, 404, 404, 404],
        wrong_admin.id: [404, 404, 404, 404],
        # the street's admin follows his part only: the district's figures are refused
        lower_admin.id: [200, 200, 403, 404],
    }
    for person in (w.outsider, wrong_admin, lower_admin):
        h = bearer(make_token(app, person, ("read", "notices")))
        auth.login(person)
        for (api_url, page_url), status in zip(cases, expected[person.id], strict=True):
            api = client.get(api_url, headers=h)
            assert api.status_code == status == client.get(page_url).status_code, (
                person.name,
                api_url,
            )
            if status != 200:
                assert "按时" not in api.get_data(as_text=True)
        reply = client.post(f"/api/v1/notices/{n}/reply", json={"reply": "收到"}, headers=h)
        page_reply = client.post(f"/notices/{n}/reply", data={"reply": "收到"})
        assert reply.status_code == page_reply.status_code
        assert reply.status_code == (403 if person is lower_admin else 404)
        listed = client.get("/api/v1/notices/sent", headers=h).get_json()["items"]
        assert [x["id"] for x in listed] == ([n] if person is lower_admin else [])
        assert client.get("/api/v1/notices", headers=h).get_json()["items"] == []
        auth.logout()
    assert (
        db.session.scalar(select(NoticeRecipient.id).where(NoticeRecipient.replied_at.is_not(None)))
        is None
    )


def test_coverage_queries_do_not_grow_with_readers(app, client, queries, api_world) -> None:
    w = api_world
    h = bearer(make_token(app, w.org_admin))
    url = f"/api/v1/notices/{w.notice_id}/coverage"
    client.get(url, headers=h)
    db.session.expire_all()  # both requests load what they need from the database
    with queries.watch():
        first = client.get(url, headers=h).get_json()
    before = queries.count
    for reader in (w.cadre, w.hidden_member):
        client.post(
            f"/api/v1/notices/{w.notice_id}/reply",
            json={"reply": "收到"},
            headers=bearer(make_token(app, reader, ("notices",))),
        )
    db.session.expire_all()
    with queries.watch():
        second = client.get(url, headers=h).get_json()
    assert len(second["replies"]) == len(first["replies"]) + 2
    assert queries.count == before, queries.statements
