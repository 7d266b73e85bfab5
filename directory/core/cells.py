"""Spreadsheet cells that are data, never formulas (CSV/formula injection, OWASP)."""

from __future__ import annotations

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Text a spreadsheet shows as typed: a leading `= + - @ TAB CR` gets a `'` before it."""
    if value and value.startswith(DANGEROUS_START):
        return "'" + value
    return value
