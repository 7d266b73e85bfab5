"""The permission matrix: every rule of the URL map x persona x method, one table.

The expected statuses live in tests/security/matrix.txt, one line per URL rule and
method (plus `RULE@variant` lines: the same rule aimed at other targets, see
scenario.VARIANT_ENDPOINTS), one column per persona (scenario.PERSONAS). A route without
a line fails the test, so a new route cannot ship without someone deciding who may use it.

Every request runs against the same committed scenario (built once per session, copied
for this module): commits become flushes and everything is rolled back after the
request, so no request sees another's changes. POSTs carry the valid data listed in
scenario.forms, otherwise none: an allowed persona gets past the permission check to the
form's validation (422) or the action itself; a refused one gets 403/404 (or the login
redirect). Regenerate the table with MATRIX_WRITE=1 and review every changed line.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from flask_sqlalchemy.session import Session

from directory.extensions import db
from tests.security.scenario import PERSONAS, VARIANT_ENDPOINTS

TABLE = Path(__file__).with_name("matrix.txt")
METHODS = ("GET", "POST")
SKIP = {"static"}


def read_table() -> dict[tuple[str, str], list[str]]:
    rows: dict[tuple[str, str], list[str]] = {}
    for number, line in enumerate(TABLE.read_text().splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        rule, method, *cells = line.split()
        assert len(cells) == len(PERSONAS), f"matrix.txt:{number}: {len(cells)} columns"
        assert (rule, method) not in rows, f"matrix.txt:{number}: duplicate"
        rows[(rule, method)] = cells
    return rows


def _rules(app):  # type: ignore[no-untyped-def]
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in SKIP:
            continue
        for method in METHODS:
            if method in (rule.methods or ()):
                yield rule, method


def _lines(app):  # type: ignore[no-untyped-def]
    """(key, rule, method, variant): every rule and method, then its variants."""
    for rule, method in _rules(app):
        yield rule.rule, rule, method, ""
        for variant, endpoints in VARIANT_ENDPOINTS.items():
            if rule.endpoint in endpoints:
                yield f"{rule.rule}@{variant}", rule, method, variant


def test_every_route_has_a_line(scenario_app):
    app, _scenario = scenario_app
    rows = read_table()
    missing = [
        f"{key} {method}" for key, _r, method, _v in _lines(app) if (key, method) not in rows
    ]
    assert not missing, "routes without a line in matrix.txt:\n" + "\n".join(missing)
    known = {(key, method) for key, _r, method, _v in _lines(app)}
    stale = [f"{e} {m}" for e, m in rows if (e, m) not in known]
    assert not stale, "lines in matrix.txt for routes that no longer exist:\n" + "\n".join(stale)


def test_matrix(scenario_app, monkeypatch):
    app, scenario = scenario_app
    # Commits only flush; every request is rolled back after it.
    monkeypatch.setattr(Session, "commit", Session.flush)
    rows = {} if os.environ.get("MATRIX_WRITE") else read_table()
    observed: dict[tuple[str, str], list[str]] = {}
    wrong: list[str] = []
    requests = 0
    started = time.process_time()

    def ask(persona: str, rule, method: str, variant: str) -> str:  # type: ignore[no-untyped-def]
        nonlocal requests
        values = scenario.values(persona, rule.endpoint, variant)
        url = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]
        client = app.test_client()
        for name, value in scenario.cookies.get(persona, []):
            client.set_cookie(name, value)
        data = scenario.forms.get(rule.endpoint) if method == "POST" else None
        status = client.open(url, method=method, data=data).status_code
        db.session.rollback()
        requests += 1
        return str(status)

    claim = PERSONAS.index("claim")
    for key, rule, method, variant in _lines(app):
        expected = rows.get((key, method))
        line: list[str] = []
        for column, persona in enumerate(PERSONAS):
            status = ask(persona, rule, method, variant)
            line.append(status)
            want = expected[column] if expected else None
            if want is not None and want != status:
                wrong.append(f"{key} {method} as {persona}: {status}, expected {want}")
        # A pending claim grants nothing: the claimant's twin without it gets the same
        # answer everywhere (but on the claimant's own claim, which is theirs to edit).
        if variant != "pending" and (twin := ask("twin", rule, method, variant)) != line[claim]:
            wrong.append(f"{key} {method} as claim: {line[claim]}, its twin without it: {twin}")
        observed[(key, method)] = line
    print(f"matrix: {requests} requests, {time.process_time() - started:.1f} s CPU")
    if os.environ.get("MATRIX_WRITE"):
        _write(observed)
    assert not wrong, "\n".join(wrong)


def _write(observed: dict[tuple[str, str], list[str]]) -> None:
    width = max(len(e) for e, _m in observed) + 1
    header = (
        "# " + "rule".ljust(width - 2) + " method " + " ".join(p[:6].ljust(6) for p in PERSONAS)
    )
    # Keep the explanation at the top of the file; only the table is regenerated.
    preamble = []
    for line in TABLE.read_text().splitlines():
        if not line.startswith("#") or line.startswith("# rule"):
            break
        preamble.append(line)
    lines = [*preamble, header]
    for (endpoint, method), cells in observed.items():
        row = f"{endpoint.ljust(width)} {method.ljust(6)} " + " ".join(c.ljust(6) for c in cells)
        lines.append(row.rstrip())
    TABLE.write_text("\n".join(lines) + "\n")
