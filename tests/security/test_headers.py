"""Security headers on every page type, and markup the CSP would break.

Every GET route of the URL map is requested as a system admin and as an anonymous
visitor, as a full page and as an htmx fragment, over HTTPS: each answer carries a
Content-Security-Policy that allows scripts and styles only from our origin (no
'unsafe-inline', no 'unsafe-eval': htmx runs with allowEval=false), forbids framing,
and HSTS; its HTML has no inline script, style attribute, event handler or hx-on that
the policy would silently block. Cookies are Secure, HttpOnly and SameSite.
"""

from __future__ import annotations

import re

import pytest
from flask_sqlalchemy.session import Session

from directory.extensions import db
from tests.security.test_matrix import _rules

HTTPS = "https://localhost"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
STYLE_ATTR = re.compile(r"<[a-z][^>]*\sstyle=", re.I)
HANDLER_ATTR = re.compile(r"<[a-z][^>]*\s(on[a-z]+|hx-on[:\w-]*)=", re.I)
STYLE_BLOCK = re.compile(r"<style[\s>]", re.I)


def _policy(header: str) -> dict[str, list[str]]:
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def check_headers(r, where: str) -> list[str]:  # type: ignore[no-untyped-def]
    problems = []
    csp = _policy(r.headers.get("Content-Security-Policy", ""))
    if csp.get("script-src") != ["'self'"]:
        problems.append(f"{where}: script-src {csp.get('script-src')}")
    if csp.get("style-src") != ["'self'"]:
        problems.append(f"{where}: style-src {csp.get('style-src')}")
    if csp.get("frame-ancestors") != ["'none'"]:
        problems.append(f"{where}: frame-ancestors {csp.get('frame-ancestors')}")
    for directive in ("default-src", "base-uri", "form-action"):
        if directive not in csp:
            problems.append(f"{where}: no {directive}")
    if r.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"{where}: no nosniff")
    if r.headers.get("X-Frame-Options") != "DENY":
        problems.append(f"{where}: X-Frame-Options {r.headers.get('X-Frame-Options')}")
    if not r.headers.get("Strict-Transport-Security", "").startswith("max-age="):
        problems.append(f"{where}: no HSTS over HTTPS")
    if r.mimetype == "text/html":
        body = r.get_data(as_text=True)
        for name, pattern in (
            ("inline <script>", INLINE_SCRIPT),
            ("style attribute", STYLE_ATTR),
            ("<style> block", STYLE_BLOCK),
            ("event handler attribute", HANDLER_ATTR),
        ):
            m = pattern.search(body)
            if m:
                problems.append(f"{where}: {name}: {m.group(0)[:80]}")
        if "javascript:" in body.lower():
            problems.append(f"{where}: javascript: URL")
    return problems


@pytest.fixture
def secure_cookies(app_config):
    app_config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    return app_config


def test_every_page_type(scenario_app, monkeypatch):
    app, scenario = scenario_app
    monkeypatch.setattr(Session, "commit", Session.flush)
    problems: list[str] = []
    seen = 0
    for rule, method in _rules(app):
        if method != "GET":
            continue
        for persona in ("sysadmin", "anonymous"):
            values = scenario.values(persona, rule.endpoint)
            url = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)[1]
            client = app.test_client()
            for name, value in scenario.cookies.get(persona, []):
                client.set_cookie(name, value)
            for headers in ({}, {"HX-Request": "true"}):
                r = client.get(url, base_url=HTTPS, headers=headers)
                where = f"{url} as {persona}{' (htmx)' if headers else ''} [{r.status_code}]"
                problems += check_headers(r, where)
                r.close()
                db.session.rollback()
                seen += 1
    assert seen > 100
    assert not problems, "\n".join(problems)


def test_error_pages_carry_the_headers(secure_cookies, client):
    for url in ("/no-such-page", "/people/999999"):
        r = client.get(url, base_url=HTTPS)
        assert r.status_code in {302, 404}
        assert not check_headers(r, url)


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/auth/login").headers
    assert "Strict-Transport-Security" in client.get("/auth/login", base_url=HTTPS).headers


@pytest.fixture
def one_proxy(app_config):
    app_config["PROXY_COUNT"] = 1
    return app_config


def test_hsts_behind_a_trusted_proxy(one_proxy, client):
    """nginx terminates TLS and says so in X-Forwarded-Proto; trusted with PROXY_COUNT."""
    r = client.get("/auth/login", headers={"X-Forwarded-Proto": "https"})
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")


def test_forwarded_proto_ignored_without_a_trusted_proxy(client):
    r = client.get("/auth/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in r.headers


def _set_cookies(r) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {h.split("=", 1)[0]: h for h in r.headers.getlist("Set-Cookie")}


def test_cookies_are_secure_httponly_samesite(secure_cookies, client, cadre):
    r = client.post(
        "/auth/login",
        data={"email": cadre.email, "password": "correct-horse-9", "remember": "y"},
        base_url=HTTPS,
    )
    assert r.status_code == 302
    cookies = _set_cookies(r)
    r = client.get("/language/en", base_url=HTTPS)
    cookies.update(_set_cookies(r))
    assert {"session", "remember_token", "lang"} <= set(cookies), cookies
    for name, header in cookies.items():
        assert "; Secure" in header, name
        assert "; HttpOnly" in header, name
        assert "SameSite=Lax" in header, name


def test_default_config_cookies_are_secure(app):
    from directory.config import Config

    assert Config.SESSION_COOKIE_SECURE and Config.REMEMBER_COOKIE_SECURE
    assert Config.SESSION_COOKIE_HTTPONLY and Config.REMEMBER_COOKIE_HTTPONLY
    assert Config.SESSION_COOKIE_SAMESITE == Config.REMEMBER_COOKIE_SAMESITE == "Lax"
    assert Config.HSTS_MAX_AGE >= 180 * 24 * 3600


def test_htmx_runs_without_eval(client, cadre, auth):
    auth.login(cadre)
    page = client.get("/").get_data(as_text=True)
    m = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'', page)
    assert m and '"allowEval": false' in m.group(1)
