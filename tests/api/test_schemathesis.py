"""Schemathesis against the served description: every operation fuzzed with a token.

The description is read from /api/v1/openapi.json of the app under test (through WSGI,
no server), and each operation gets `API_FUZZ_EXAMPLES` generated requests (default
25) sent with a system admin's token that has both scopes, so reads find real rows and
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
    secret = make_token(app, api_world.admin, ("read", "transfers"))
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
    assert len(operations) >= 20
    assert server_errors == 0
    # The fuzzing reached the views, not only the validation layer.
    assert statuses[200] > 0 and statuses[422] > 0 and statuses[404] > 0


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
