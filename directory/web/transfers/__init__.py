"""Membership transfers (组织关系转接): requests, approvals, batches, dashboards."""

from flask import Blueprint

bp = Blueprint("transfers", __name__, url_prefix="/transfers")


@bp.record_once
def _template_globals(state) -> None:  # type: ignore[no-untyped-def]
    # Rosters elsewhere call `in_transfer_ids(person_ids)` (the 转接中 marker) or
    # `transfer_markers(org_id, person_ids)` (that plus members on their way in): one query.
    from directory.services.transfers_accept import open_transfer_ids, roster_markers

    state.app.add_template_global(open_transfer_ids, "in_transfer_ids")
    state.app.add_template_global(roster_markers, "transfer_markers")
    state.app.config.setdefault("TRANSFER_STEP_DAYS", 7)


from directory.web.transfers import views, views_batch  # noqa: E402, F401
