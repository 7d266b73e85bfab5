"""Time: stored as naive UTC; shown in one display time zone everywhere.

The zone is DISPLAY_TIMEZONE (env DIRECTORY_DISPLAY_TIMEZONE), else BABEL_DEFAULT_TIMEZONE,
else Asia/Shanghai. Every template shows a time through the `local_time` filter, so posts,
notifications and transfers show the same moment the same way; `today()` is the date a
cadre's calendar shows there (a start date "not after today", this year for ages).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app

DEFAULT_ZONE = "Asia/Shanghai"
MINUTES = "%Y-%m-%d %H:%M"


@lru_cache(maxsize=8)
def _zone(name: str) -> tzinfo:
    return ZoneInfo(name)


def display_zone_name() -> str:
    """The name of the configured display time zone ("Asia/Shanghai")."""
    config = current_app.config
    return str(
        config.get("DISPLAY_TIMEZONE") or config.get("BABEL_DEFAULT_TIMEZONE") or DEFAULT_ZONE
    )


def display_zone() -> tzinfo:
    """The configured display time zone."""
    return _zone(display_zone_name())


def to_local(value: datetime) -> datetime:
    """A stored time (naive UTC, or aware) as an aware time in the display zone."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(display_zone())


def local_time(value: datetime | None, fmt: str = MINUTES) -> str:
    """A stored time in the display zone, "2026-11-24 09:30" by default ("" for None)."""
    if value is None:
        return ""
    return to_local(value).strftime(fmt)


def now() -> datetime:
    """The current time as stored: naive UTC."""
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    """Today's date in the display zone (in Beijing from 00:00, not from 08:00 as in UTC)."""
    return to_local(now()).date()
