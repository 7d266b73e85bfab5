"""Time: one "now" (naive UTC, as stored) and one display time zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def local_time(value: datetime | None) -> str:
    """A stored (naive UTC) time in the app's time zone, "2026-11-24 09:30" (cheap for lists)."""
    if value is None:
        return ""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")
    return value.replace(tzinfo=UTC).astimezone(zone).strftime("%Y-%m-%d %H:%M")


def now() -> datetime:
    """The current time as stored: naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)
