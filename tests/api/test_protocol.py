"""HTTP behaviour of the API: ETags, caching, problem details, language, paging, limits,
the audit trail, and the worked example of docs/API.md."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from directory.api import audit
from directory.api.models import ApiToken
from directory.extensions import db
from tests.api.conftest import ApiWorld, bearer, make_token


def test_reads_carry_an_etag_and_answer_304(app, client, api_world: ApiWorld) -> None:
    h = bearer(make_token(app, api_world.cadre))
    first = client.get(f"/api/v1/people/{api_world.cadre.id}", headers=h)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag
    assert first.headers["Cache-Control"] == "no-store"
    assert "Authorization" in first.headers["Vary"]
    again = client.get(f"/api/v1/people/{api_world.cadre.id}", headers={**h, "If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    other = client.get(
        f"/api/v1/people/{api_world.cadre.id}", headers={**h, "If-None-Match": '"nope"'}
    )
    assert other.status_code == 200


def test_problem_details_in_the_callers_language(app, client, api_world: ApiWorld) -> None:
    h = bearer(make_token(app, api_world.cadre))
    zh = client.get("/api/v1/people/999999", headers=h)
    assert zh.status_code == 404 and zh.mimetype == "application/problem+json"
    body = zh.get_json()
    assert body["status"] == 404 and body["instance"] == "/api/v1/people/999999"
    assert body["detail"] == "此人不存在。"
    en = client.get("/api/v1/people/999999", headers={**h, "Accept-Language": "en"})
    assert en.get_json()["detail"] == "No such person."
    bad = client.get("/api/v1/people?region=99x", headers={**h, "Accept-Language": "en"})
    assert bad.status_code == 400 and "Unknown region code" in bad.get_json()["detail"]
    invalid = client.post(
        "/api/v1/transfers/1/approve", json={"version": "x"}, headers={**h, "Accept-Language": "en"}
    )
    assert invalid.status_code == 422
    assert [e["field"] for e in invalid.get_json()["errors"]] == ["version"]
    unknown = client.get("/api/v1/nowhere", headers=h)
    assert unknown.status_code == 404 and unknown.mimetype == "application/problem+json"


def test_lists_link_to_their_next_page(app_config, app, client, api_world: ApiWorld) -> None:
    app.config["PAGE_SIZE"] = 1
    h = bearer(make_token(app, api_world.admin))
    first = client.get("/api/v1/people?region=51", headers=h).get_json()
    assert first["total"] >= 2 and first["next"]
    assert "page=2" in first["next"] and "region=51" in first["next"]
    second = client.get(first["next"], headers=h).get_json()
    assert second["page"] == 2
    assert {r["id"] for r in second["results"]}.isdisjoint({r["id"] for r in first["results"]})


@pytest.fixture
def limited(app_config: dict[str, object]) -> dict[str, object]:
    app_config.update(
        RATELIMIT_ENABLED=True,
        RATELIMIT_KEY_PREFIX=f"api-{uuid.uuid4().hex}",
        API_RATE_LIMIT="3 per minute",
    )
    return app_config


def test_rate_limit_counts_per_token(limited, app, client, api_world: ApiWorld) -> None:
    one = bearer(make_token(app, api_world.cadre))
    two = bearer(make_token(app, api_world.cadre))
    for _ in range(3):
        assert client.get("/api/v1/notifications", headers=one).status_code == 200
    refused = client.get("/api/v1/notifications", headers=one)
    assert refused.status_code == 429 and refused.mimetype == "application/problem+json"
    assert client.get("/api/v1/notifications", headers=two).status_code == 200


def test_every_token_use_is_audited(app, client, api_world: ApiWorld, monkeypatch) -> None:
    seen: list[tuple[str, object, dict]] = []
    monkeypatch.setattr(
        audit,
        "record",
        lambda action, actor, subject, details: seen.append((action, actor, details)),
    )
    h = bearer(make_token(app, api_world.cadre))
    client.get("/api/v1/notifications", headers=h)
    client.get("/api/v1/people/999999", headers=h)
    uses = [s for s in seen if s[0] == "api.token_used"]
    assert [(d["path"], d["status"]) for _a, _p, d in uses] == [
        ("/api/v1/notifications", 200),
        ("/api/v1/people/999999", 404),
    ]
    assert all(actor.id == api_world.cadre.id for _a, actor, _d in uses)
    token = db.session.scalar(select(ApiToken).where(ApiToken.person_id == api_world.cadre.id))
    assert token.last_used_at is not None


def test_worked_example(app, client, api_world: ApiWorld) -> None:
    """docs/API.md: search people in a region, start a transfer, approve it (two tokens)."""
    w = api_world
    # 张彤 withdraws the fixture's transfer first, so a new one can start.
    member = bearer(make_token(app, w.cadre, ("transfers",)))
    client.post(f"/api/v1/transfers/{w.transfer.id}/withdraw", json={"version": 1}, headers=member)
    admin = bearer(make_token(app, w.org_admin, ("transfers",)))
    found = client.get("/api/v1/people?q=张彤&region=511302", headers=admin).get_json()
    person_id = found["results"][0]["id"]
    assert person_id == w.cadre.id
    started = client.post(
        "/api/v1/transfers",
        json={"person_id": w.cadre.id, "to_org_id": w.world.chengdu_org.id, "reason": "job"},
        headers=member,
    )
    assert started.status_code == 201
    t = started.get_json()
    assert t["state"] == "submitted" and t["allowed_actions"] == ["withdraw"]
    approved = client.post(
        f"/api/v1/transfers/{t['id']}/approve",
        json={"version": t["version"], "note": "同意"},
        headers=admin,
    )
    assert approved.status_code == 200
    assert approved.get_json()["state"] == "approved_out"
    assert [e["action"] for e in approved.get_json()["events"]] == ["submit", "approve_out"]


def test_token_use_lands_in_the_audit_log(app, client, api_world: ApiWorld) -> None:
    from directory.audit.models import AuditEvent

    h = bearer(make_token(app, api_world.cadre))
    client.get("/api/v1/notifications", headers=h)
    rows = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("api.%"))))
    actions = sorted(r.action for r in rows)
    assert actions == ["api.token_created", "api.token_used"]
    used = next(r for r in rows if r.action == "api.token_used")
    assert used.actor_id == api_world.cadre.id
    assert used.details["path"] == "/api/v1/notifications" and used.details["status"] == 200
