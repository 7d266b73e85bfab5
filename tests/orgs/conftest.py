"""Helpers for the organisation tests: htmx headers (the query counter is `queries`)."""

from __future__ import annotations

HX = {"HX-Request": "true"}
