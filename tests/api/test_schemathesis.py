"""Schemathesis against the served description: every operation fuzzed with a token.

The description is read from /api/v1/openapi.json of the app under test (through WSGI,
no server), and each operation gets `API_FUZZ_EXAMPLES` generated requests (default
25) sent with a system admin's token that has every scope, so reads find real rows and
writes reach the state machine. Every answer must be no server error, with a status,
content type, headers and body that the description documents. Runs on SQLite and, with
DIRECTORY_TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import os
from collections import Counter

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi import checks as oa_checks

from tests.api.conftest import ApiWorld, bearer, make_token

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "25"))
CHECKS = [
    schemathesis.checks.not_a_server_error,
    oa_checks.status_code_conformance,
    oa_checks.content_type_conformance,
    oa_checks.response_headers_conformance,
    oa_checks.response_schema_conformance,
]


def test_every_operation_conforms(app, api_world: ApiWorld) -> None:
    secret = make_token(app, api_world.admin, ("read", "transfers", "notices"))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    assert schema.raw_schema["openapi"].startswith("3.1")
    headers = bearer(secret)
    operations = [result.ok() for result in schema.get_all_operations()]
    statuses: Counter[int] = Counter()
    calls = 0
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case) -> None:  # type: ignore[no-untyped-def]
            nonlocal calls
            response = case.call(headers=headers)
            calls += 1
            statuses[response.status_code] += 1
            case.validate_response(response, checks=CHECKS, headers=headers)

        run()
    server_errors = sum(n for status, n in statuses.items() if status >= 500)
    print(
        f"\nschemathesis: {len(operations)} operations, {calls} requests, "
        f"{server_errors} server errors, statuses {dict(sorted(statuses.items()))}"
    )
    assert len(operations) >= 28
    assert server_errors == 0
    # The fuzzing reached the views, not only the validation layer.
    assert statuses[200] > 0 and statuses[422] > 0 and statuses[404] > 0


def test_answers_with_real_rows_conform(app, api_world: ApiWorld) -> None:
    """Random ids mostly meet 404: the desk's operations are also called with real rows
    (the sender's token, which administers the district and received the notice), and
    each 200, files included, must conform to the description."""
    w = api_world
    secret = make_token(app, w.org_admin, ("read", "notices"))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    county, notice = {"org_id": w.world.county_org.id}, {"notice_id": w.notice_id}
    calls = [
        ("GET", "/api/v1/organisations/{org_id}/roster", county, {"subtree": "false"}, None),
        ("GET", "/api/v1/organisations/{org_id}/roster/file", county, {"format": "csv"}, None),
        ("GET", "/api/v1/organisations/{org_id}/roster/file", county, {"format": "vcf"}, None),
        ("GET", "/api/v1/organisations/{org_id}/roster/file", county, {"format": "xlsx"}, None),
        ("GET", "/api/v1/organisations/{org_id}/statistics", county, {}, None),
        ("GET", "/api/v1/notices", {}, {}, None),
        ("GET", "/api/v1/notices/sent", {}, {}, None),
        ("GET", "/api/v1/notices/{notice_id}", notice, {}, None),
        ("POST", "/api/v1/notices/{notice_id}/reply", notice, {}, {"reply": "收到"}),
        ("GET", "/api/v1/notices/{notice_id}/coverage", notice, {}, None),
    ]
    headers = bearer(secret)
    for method, path, params, query, body in calls:
        operation = schema[path][method]
        extra = {} if body is None else {"body": body, "media_type": "application/json"}
        case = operation.Case(path_parameters=params, query=query, **extra)
        response = case.call(headers=headers)
        assert response.status_code == 200, (path, response.text[:300])
        case.validate_response(response, checks=CHECKS, headers=headers)


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/docs"])
def test_description_and_reference_are_public(client, path) -> None:
    r = client.get(path)
    assert r.status_code == 200
    if path.endswith(".json"):
        doc = r.get_json()
        assert doc["openapi"] == "3.1.0"
        assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    else:
        body = r.get_data(as_text=True)
        assert "vendor/swagger-ui/swagger-ui-bundle.js" in body and "<script>" not in body
        assert "cdn" not in body.lower() and "https://" not in body
