"""Organisation side: the dashboard, its CSV export, and batch transfers."""

from __future__ import annotations

from flask import Response, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response as BaseResponse

from directory.core.errors import DomainError, NotFound
from directory.core.numbers import parse_id
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.people.models import Person
from directory.transfers import accepting, batches, picking, reports
from directory.transfers import permissions as perms
from directory.transfers.forms import BatchSelectionForm, BatchUploadForm
from directory.transfers.models import TransferBatch, TransferReason, TransferState
from directory.transfers.permissions import subtree_ids
from directory.transfers.views import bp
from directory.web.rendering import render
from directory.web.responses import redirect_after_change

MEMBER_LIMIT = 2000
Page = str | tuple[str, int] | BaseResponse


def _admin_org(org_id: int) -> Organisation:
    org = db.session.get(Organisation, org_id)
    if org is None or not perms.can_view_dashboard(current_user, org):
        raise NotFound(_("团组织不存在，或你无权查看其转接。"))
    return org


@bp.route("/orgs/<id:org_id>")
@login_required
def dashboard(org_id: int) -> str:
    """The transfer dashboard of one organisation (its whole subtree)."""
    org = _admin_org(org_id)
    period = request.args.get("period", "month")
    return render("transfers/dashboard.html", "dashboard", d=reports.dashboard(org, period))


@bp.route("/orgs/<id:org_id>/export.csv")
@login_required
def export(org_id: int) -> Response:
    """Every visible transfer touching the organisation's subtree, as streamed CSV."""
    org = _admin_org(org_id)
    rows = reports.export_csv(current_user, org)
    return Response(
        stream_with_context(rows),
        mimetype="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="transfers-{org.id}.csv"'},
    )


def _members(org: Organisation) -> list[Person]:
    return list(
        db.session.scalars(
            select(Person)
            .options(joinedload(Person.membership_org))
            .where(Person.membership_org_id.in_(subtree_ids([org.path])))
            .order_by(Person.membership_org_id, Person.name_pinyin, Person.id)
            .limit(MEMBER_LIMIT)
        )
    )


SCOPE_LIMIT = 500


def _scope(org: Organisation) -> Organisation:
    """The part of the subtree whose members are listed (?scope=<org id>, default: all)."""
    scope_id = parse_id(request.values.get("scope", ""))
    if scope_id is not None:
        sub = db.session.get(Organisation, scope_id)
        if sub is not None and sub.path.startswith(org.path):
            return sub
    return org


def _scopes(org: Organisation) -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.path.startswith(org.path))
            .order_by(Organisation.path)
            .limit(SCOPE_LIMIT)
        )
    )


def _batch_page(
    org: Organisation,
    selection: BatchSelectionForm,
    upload: BatchUploadForm,
    status: int = 200,
    chosen: set[int] | None = None,
) -> tuple[str, int]:
    scope = _scope(org)
    members = _members(scope)
    return (
        render(
            "transfers/batch_new.html",
            "batch",
            org=org,
            scope=scope,
            scopes=_scopes(org),
            members=members,
            busy=accepting.open_transfer_ids(p.id for p in members),
            chosen=chosen or set(),
            selection=selection,
            upload=upload,
            limit=MEMBER_LIMIT,
        ),
        status,
    )


@bp.route("/orgs/<id:org_id>/batch", methods=["GET", "POST"])
@login_required
def batch_new(org_id: int) -> Page:
    """Select members of the organisation's subtree and send them all to one destination."""
    org = _admin_org(org_id)
    selection = BatchSelectionForm()
    upload = BatchUploadForm(formdata=None)
    if request.method == "GET":
        return _batch_page(org, selection, upload)
    raw = request.form.getlist("members")
    chosen = {i for i in map(parse_id, raw) if i is not None}
    if request.form.get("all"):
        # "All listed": the scope's members without a transfer in progress.
        listed = [p.id for p in _members(_scope(org))]
        chosen |= set(listed) - accepting.open_transfer_ids(listed)
    if not selection.validate_on_submit():
        return _batch_page(org, selection, upload, 422, chosen)
    if not chosen:
        selection.destination.errors = [_("请至少选择一名成员。")]
        return _batch_page(org, selection, upload, 422, chosen)
    dest = picking.pick_destination(selection.destination)
    if dest is None:
        return _batch_page(org, selection, upload, 422, chosen)
    try:
        lines = [
            batches.BatchLine(i, f"#{pid}", f"#{dest.id}")
            for i, pid in enumerate(sorted(chosen), start=1)
        ]
        batch = batches.submit_batch(
            current_user, lines, TransferReason(selection.reason.data), selection.note.data
        )
    except DomainError as err:
        selection.add_service_error(err, "destination")
        return _batch_page(org, selection, upload, err.status, chosen)
    return redirect_after_change(
        url_for("transfers.batch_show", batch_id=batch.id), _("批量转接已提交。")
    )


@bp.route("/orgs/<id:org_id>/batch/upload", methods=["POST"])
@login_required
def batch_upload(org_id: int) -> Page:
    """Upload a list (CSV/XLSX: member, destination[, reason, note]) as one batch."""
    org = _admin_org(org_id)
    upload = BatchUploadForm()
    selection = BatchSelectionForm(formdata=None)
    if not upload.validate_on_submit():
        return _batch_page(org, selection, upload, 422)
    storage = upload.file.data
    name = storage.filename or ""
    try:
        lines = batches.parse_upload(name, storage.read())
        source = "xlsx" if name.lower().endswith(".xlsx") else "csv"
        batch = batches.submit_batch(
            current_user,
            lines,
            TransferReason(upload.reason.data),
            upload.note.data,
            source=source,
            filename=name,
        )
    except DomainError as err:
        upload.add_service_error(err, "file")
        return _batch_page(org, selection, upload, err.status)
    return redirect_after_change(
        url_for("transfers.batch_show", batch_id=batch.id), _("批量转接已提交。")
    )


@bp.route("/batch/<id:batch_id>")
@login_required
def batch_show(batch_id: int) -> str:
    """A batch: counts by state, each member's transfer and the lines that failed."""
    batch = db.session.get(TransferBatch, batch_id)
    if batch is None or not perms.can_view_batch(current_user, batch):
        raise NotFound(_("批次不存在，或你无权查看。"))
    counts, items = batches.progress(batch)
    return render(
        "transfers/batch_show.html",
        "progress",
        batch=batch,
        counts=counts,
        items=items,
        failures=batch.failures,
        total=len(items) + len(batch.failures),
        state_labels={s.value: s.label for s in TransferState},
    )
