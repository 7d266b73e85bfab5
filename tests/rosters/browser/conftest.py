"""Browser fixtures for the rosters area: the shared ones from tests/browser/conftest.py."""

from tests.browser.conftest import (  # noqa: F401
    app_config,
    browser,
    journey,
    live_server,
    login_as,
    new_context,
    page,
    pytest_runtest_makereport,
)
