"""Browser tests: Playwright (sync API) driving Debian's Chromium against a live server.

Fixtures for every area's browser tests:

- `browser` (session): a headless Chromium from /usr/bin/chromium (never downloaded).
- `live_server` -> str: the base URL ("http://127.0.0.1:PORT") of a werkzeug server thread
  serving the test's `app`. That app is built like the usual `app` fixture (same database:
  a SQLite file in tmp, or the session's PostgreSQL database), but with CSRF **on**, so the
  browser goes through the real forms. Use the ordinary factories and personas (`world`,
  `cadre`, `admin`, `make_person(...)`) to set up data before opening pages; they commit,
  so the server sees them. The test's own `db.session` may hold stale objects after the
  browser changed something: call `db.session.expire_all()` before reading back.
- `page`: a fresh context (own cookies) and page, not signed in, with `base_url` set, so
  `page.goto("/auth/login")` works.
- `login_as(person, password=PASSWORD, **context_options) -> Page`: a new context signed
  in as `person` through the login form; several people can be signed in side by side.
  Context options go to Playwright, e.g. `viewport={"width": 375, "height": 740}` or
  `java_script_enabled=False` (the no-JavaScript path of a journey).
- `new_context(**options) -> BrowserContext`: a bare context, closed after the test.

Every test in this folder gets the `browser` marker (`-m "not browser"` skips them).
When a browser test fails, a full-page screenshot of every page still open is saved to
tests/browser/screenshots/<test name>-<n>.png (gitignored; `-postgres` added on PostgreSQL).

Browser tests in another folder: re-export what they use in that folder's conftest.py
(`from tests.browser.conftest import app_config, browser, live_server, login_as,
new_context, page, pytest_runtest_makereport  # noqa: F401`) and mark them
`pytest.mark.browser`; the hook only screenshots tests carrying that marker. All the
re-exported `browser` fixtures share one Chromium.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.browser.checks import VIEWPORTS, Journey, screenshot_dir
from tests.conftest import PASSWORD, PG_URL

HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Contexts opened by the current test, for screenshots on failure and closing after it.
_open_contexts: list[Any] = []
# How long an action or an assertion may wait for the page (ms).
WAIT_MS = 15_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test collected from this folder as a browser test."""
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    """Save a full-page screenshot of every open page when a browser test fails."""
    report = yield
    if report.failed and item.get_closest_marker("browser") and _open_contexts:
        SCREENSHOTS.mkdir(exist_ok=True)
        stem = re.sub(r"[^\w.-]+", "_", item.name)[:120]
        if PG_URL:  # bin/test runs both databases at once: keep their screenshots apart
            stem += "-postgres"
        n = 0
        for context in list(_open_contexts):
            for page in context.pages:
                n += 1
                path = SCREENSHOTS / f"{stem}-{n}.png"
                try:
                    page.screenshot(path=str(path), full_page=True, caret="initial")
                except Exception as exc:  # a crashed page must not hide the real failure
                    report.sections.append(("screenshot", f"{path.name}: {exc}"))
                else:
                    report.sections.append(("screenshot", str(path)))
    return report


# One Playwright and one Chromium per test process, however many modules re-export
# `browser`: a second sync Playwright in the same thread refuses to start.
_shared: dict[str, Any] = {"users": 0}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """A headless Debian Chromium for the whole session."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed (bin/test installs it)")
    if _shared["users"] == 0:
        sync_playwright = pytest.importorskip(
            "playwright.sync_api", reason="Playwright is not installed"
        ).sync_playwright
        playwright = sync_playwright().start()
        # `bin/test` runs both databases' suites side by side on 2 cores, each with its own
        # Chromium: give an assertion as long to come true as an action (5 s by default).
        pytest.importorskip("playwright.sync_api").expect.set_options(timeout=WAIT_MS)
        _shared["playwright"] = playwright
        _shared["browser"] = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
    _shared["users"] += 1
    try:
        yield _shared["browser"]
    finally:
        _shared["users"] -= 1
        if _shared["users"] == 0:
            _shared.pop("browser").close()
            _shared.pop("playwright").stop()


@pytest.fixture
def app_config(app_config: dict[str, object]) -> dict[str, object]:
    """The usual test settings, with CSRF protection back on for real forms."""
    return {**app_config, "WTF_CSRF_ENABLED": True}


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve `app` on 127.0.0.1 (a free port) from a thread; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def new_context(browser: Any, live_server: str) -> Iterator[Callable[..., Any]]:
    """Factory of browser contexts (own cookies) on the live server; closed after the test."""
    mine: list[Any] = []

    def make(**options: Any) -> Any:
        options.setdefault("base_url", live_server)
        options.setdefault("locale", "zh-CN")
        context = browser.new_context(**options)
        context.set_default_timeout(WAIT_MS)
        mine.append(context)
        _open_contexts.append(context)
        return context

    yield make
    for context in mine:
        _open_contexts.remove(context)
        context.close()


@pytest.fixture
def page(new_context: Callable[..., Any]) -> Any:
    """A page in a fresh, signed-out context."""
    return new_context().new_page()


@pytest.fixture
def login_as(new_context: Callable[..., Any]) -> Callable[..., Any]:
    """Sign a new context in as a person through the login form; returns its page."""

    def sign_in(person: Any, password: str = PASSWORD, **context_options: Any) -> Any:
        tab = new_context(**context_options).new_page()
        tab.goto("/auth/login")
        tab.fill("input[name=email]", person.email)
        tab.fill("input[name=password]", password)
        with tab.expect_navigation():
            tab.click("#login-form button[type=submit]")
        if "/auth/login" in tab.url:
            raise AssertionError(f"could not sign in as {person.email}: still on {tab.url}")
        return tab

    return sign_in


@pytest.fixture
def journey(
    request: pytest.FixtureRequest, new_context: Callable[..., Any], login_as: Callable[..., Any]
) -> Iterator[Callable[..., Journey]]:
    """Start a checked journey: `journey(person_or_None, "phone" | "desktop", **options)`.

    Returns a `checks.Journey` on a page signed in as `person` (signed out for None) at
    390x844 or 1366x900. Call `.step(label)` after each action and `.finish()` at the end
    of the test (it raises for every problem found on the pages visited).
    """
    started: list[Journey] = []
    shots = screenshot_dir()
    test = re.sub(r"[^\w.-]+", "_", request.node.name)[:80]

    def start(person: Any = None, viewport: str = "phone", **options: Any) -> Journey:
        options["viewport"] = VIEWPORTS[viewport]
        tab = new_context(**options).new_page() if person is None else login_as(person, **options)
        j = Journey(tab, f"{test}-{len(started) + 1}", viewport, shots)
        started.append(j)
        return j

    yield start
