"""The league slice of tests/notices (admins at two levels, cadres, an outsider)."""

from tests.notices.conftest import League, league, request_context  # noqa: F401
