"""The league slice of tests/notices (one world for notices, reports and liaison)."""

from tests.notices.conftest import League, league, request_context  # noqa: F401
