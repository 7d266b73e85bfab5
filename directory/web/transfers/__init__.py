"""Membership transfers (组织关系转接): requests, approvals, batches, dashboards."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app

bp = Blueprint("transfers", __name__, url_prefix="/transfers")


@bp.record_once
def _template_globals(state) -> None:  # type: ignore[no-untyped-def]
    # Rosters elsewhere call `in_transfer_ids(person_ids)` (the 转接中 marker) or
    # `transfer_markers(org_id, person_ids)` (that plus members on their way in): one query.
    from directory.services.transfers_accept import open_transfer_ids, roster_markers

    state.app.add_template_global(open_transfer_ids, "in_transfer_ids")
    state.app.add_template_global(roster_markers, "transfer_markers")
    state.app.config.setdefault("TRANSFER_STEP_DAYS", 7)
    state.app.add_template_filter(local_time, "transfer_time")


def local_time(value: datetime | None) -> str:
    """A stored (naive UTC) time in the app's time zone, "2026-11-24 09:30" (cheap for lists)."""
    if value is None:
        return ""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")
    return value.replace(tzinfo=UTC).astimezone(zone).strftime("%Y-%m-%d %H:%M")


from directory.web.transfers import views, views_batch  # noqa: E402, F401
