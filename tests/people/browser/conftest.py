"""Browser fixtures for the people area: the shared ones from tests/browser/conftest.py."""

from tests.browser.conftest import (  # noqa: F401
    app_config,
    browser,
    live_server,
    login_as,
    new_context,
    page,
)
