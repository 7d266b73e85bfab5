"""Sessions end: logout kills copied cookies, lifetimes are absolute (issue 9, finding 3)."""

from __future__ import annotations

import pytest

from directory.accounts import loader
from tests.conftest import PASSWORD


def _login(client, person, remember: bool = False):
    data = {"email": person.email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    r = client.post("/auth/login", data=data)
    assert r.status_code == 302
    return r


def _cookies(client) -> dict[str, str]:
    return {c.key: c.value for c in client._cookies.values()}


def _signed_in(client) -> bool:
    return client.get("/auth/password").status_code == 200


def test_copied_session_cookie_stops_working_after_logout(app, cadre):
    victim = app.test_client()
    _login(victim, cadre)
    stolen = _cookies(victim)
    thief = app.test_client()
    for key, value in stolen.items():
        thief.set_cookie(key, value)
    assert _signed_in(thief)
    assert victim.post("/auth/logout").status_code == 302
    assert not _signed_in(victim)
    assert not _signed_in(thief)


def test_copied_remember_cookie_stops_working_after_logout(app, cadre):
    victim = app.test_client()
    _login(victim, cadre, remember=True)
    remember = _cookies(victim)["remember_token"]
    victim.post("/auth/logout")
    thief = app.test_client()
    thief.set_cookie("remember_token", remember)
    assert not _signed_in(thief)


def test_remember_me_survives_a_browser_restart(app, cadre):
    browser = app.test_client()
    _login(browser, cadre, remember=True)
    remember = _cookies(browser)["remember_token"]
    restarted = app.test_client()  # session cookie gone, the persistent one kept
    restarted.set_cookie("remember_token", remember)
    assert _signed_in(restarted)
    assert _signed_in(restarted)
    assert _signed_in(restarted)


def test_without_remember_me_a_restart_signs_out(app, cadre):
    browser = app.test_client()
    r = _login(browser, cadre)
    assert "remember_token" not in _cookies(browser)
    session_cookie = [h for h in r.headers.getlist("Set-Cookie") if h.startswith("session=")]
    # A browser-session cookie: no Expires, so closing the browser ends it.
    assert session_cookie and "Expires" not in session_cookie[0]


def test_responses_do_not_extend_the_session(app, cadre):
    browser = app.test_client()
    _login(browser, cadre, remember=True)
    for _ in range(3):
        r = browser.get("/auth/password")
        assert r.status_code == 200
        for header in r.headers.getlist("Set-Cookie"):
            # The remember cookie is never re-issued; a session cookie never gets a date.
            assert not header.startswith("remember_token="), header
            assert "Expires" not in header and "Max-Age" not in header, header


class _Clock:
    """Stands in for the `time` module inside the user loader."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.mark.parametrize("remember", [False, True])
def test_lifetime_is_absolute_from_sign_in(app, cadre, monkeypatch, remember):
    browser = app.test_client()
    _login(browser, cadre, remember=remember)
    assert _signed_in(browser)
    limit = (
        app.config["REMEMBER_COOKIE_DURATION"]
        if remember
        else app.config["PERMANENT_SESSION_LIFETIME"]
    )
    limit = getattr(limit, "total_seconds", lambda: limit)()
    real = loader.time.time
    monkeypatch.setattr(loader, "time", _Clock(real() + limit - 60))
    assert _signed_in(browser)
    monkeypatch.setattr(loader, "time", _Clock(real() + limit + 60))
    assert not _signed_in(browser)
    if remember:
        # The remember cookie alone does not bring it back: the sign-in time is inside it.
        again = app.test_client()
        again.set_cookie("remember_token", _cookies(browser).get("remember_token", "x"))
        assert not _signed_in(again)
