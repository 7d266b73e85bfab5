"""One parser for ids and page numbers: malformed input answers 404/400, never 500."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from directory.core.numbers import MAX_ID, MAX_PAGE, parse_id, parse_int

HUGE = "99999999999999999999"
BAD_VALUES = [HUGE, str(MAX_ID + 1), "²", "٣", "-1", "0", " 1", "1.0", "0x1"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", 1),
        ("007", 7),
        (str(MAX_ID), MAX_ID),
        (str(MAX_ID + 1), None),
        (HUGE, None),
        ("²", None),
        ("٣", None),  # Arabic-Indic three: str.isdigit() says yes
        ("-1", None),
        ("+1", None),
        ("0", None),
        ("", None),
        (" 1", None),
        ("1_000", None),
        (None, None),
        (5, None),
    ],
)
def test_parse_id_accepts_only_ascii_decimals_in_range(raw, expected):
    assert parse_id(raw) == expected


def test_parse_int_respects_its_maximum():
    assert parse_int(str(MAX_PAGE), MAX_PAGE) == MAX_PAGE
    assert parse_int(str(MAX_PAGE + 1), MAX_PAGE) is None


def _url(rule: str, value: str) -> str:
    return re.sub(r"<[^>]+>", quote(value, safe=""), rule)


def test_every_parameterised_route_answers_malformed_ids_without_a_server_error(
    app, client, auth, admin
):
    auth.login(admin)
    rules = [r for r in app.url_map.iter_rules() if r.arguments and r.endpoint != "static"]
    assert rules  # the sweep below would prove nothing without routes
    failures = []
    for rule in rules:
        for value in (HUGE, "²", str(MAX_ID + 1), "-1"):
            url = _url(rule.rule, value)
            for method in sorted((rule.methods or set()) & {"GET", "POST"}):
                status = client.open(url, method=method).status_code
                if status >= 500:
                    failures.append((method, url, status))
    assert failures == []


def test_id_routes_answer_404_for_ids_that_cannot_exist(client, auth, admin):
    auth.login(admin)
    for value in (HUGE, str(MAX_ID + 1), "²", "-1", "0"):
        assert client.get(f"/people/{quote(value)}").status_code == 404
        assert client.get(f"/orgs/{quote(value)}").status_code == 404
        assert client.get(f"/groups/{quote(value)}").status_code == 404


def test_url_for_still_builds_id_routes(app, client, auth, admin):
    auth.login(admin)
    with app.test_request_context():
        from flask import url_for

        assert url_for("people.show", person_id=admin.id) == f"/people/{admin.id}"
    assert client.get(f"/people/{admin.id}").status_code == 200


@pytest.mark.parametrize("value", BAD_VALUES)
def test_page_numbers_out_of_range_are_400_with_a_message(client, auth, admin, value):
    auth.login(admin)
    for path in ("/people/", "/groups/", "/admin/", "/groups/search?q=x"):
        sep = "&" if "?" in path else "?"
        r = client.get(f"{path}{sep}page={quote(value)}")
        assert r.status_code == 400, (path, value)
        assert "页码无效" in r.get_data(as_text=True)


def test_every_list_page_answers_malformed_page_numbers_without_a_server_error(
    app, client, auth, admin
):
    auth.login(admin)
    rules = [
        r
        for r in app.url_map.iter_rules()
        if not r.arguments
        and "GET" in (r.methods or set())
        and r.endpoint != "static"
        # /readyz reads no arguments and answers 503 by design while this fresh test app
        # has not written its search index yet (tests/health covers it).
        and r.endpoint != "health.readyz"
    ]
    failures = []
    for rule in rules:
        for value in ("²", HUGE, "-1"):
            url = f"{rule.rule}?page={quote(value)}&group={quote(value)}&org={quote(value)}"
            status = client.get(url).status_code
            if status >= 500:
                failures.append((url, status))
    assert failures == []


def test_page_one_and_a_missing_page_are_the_same(client, auth, admin):
    auth.login(admin)
    assert client.get("/groups/?page=1").status_code == 200
    assert client.get("/groups/").status_code == 200
    assert client.get("/groups/?page=").status_code == 200


def test_marking_a_malformed_notification_id_is_404(client, auth, cadre):
    auth.login(cadre)
    for value in ("²", HUGE, "-1"):
        assert client.post("/notifications/read", data={"id": value}).status_code == 404
