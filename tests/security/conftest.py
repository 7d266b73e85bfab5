"""Fixtures of the security tests (the groups fixtures are reused)."""

from __future__ import annotations

from tests.groups.conftest import owner

__all__ = ["owner"]
