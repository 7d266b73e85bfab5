"""Import pages: upload, preview (nothing written), confirm (a background job)."""

from __future__ import annotations

from flask import Response, abort, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from directory.core.errors import DomainError
from directory.people.permissions import is_any_org_admin
from directory.rosters import importing
from directory.rosters.forms import ConfirmForm, UploadForm
from directory.rosters.template import template_csv, template_xlsx
from directory.rosters.views import bp
from directory.web.rendering import render
from directory.web.responses import redirect_after_change

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require() -> None:
    if not is_any_org_admin(current_user):
        abort(403)


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_upload() -> BaseResponse | tuple[str, int]:
    _require()
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            data = upload.read()
        finally:
            upload.close()  # a large upload is a temporary file: release it now
        try:
            token = importing.store_upload(current_user, upload.filename or "", data)
        except DomainError as err:
            form.add_service_error(err, "file")
        else:
            return redirect_after_change(url_for("rosters.import_preview", token=token))
    status = 422 if form.errors else 200
    return render("rosters/import.html", "upload", form=form), status


@bp.route("/import/template.<ext>")
@login_required
def import_template(ext: str) -> Response:
    _require()
    if ext == "xlsx":
        data, mimetype = template_xlsx(), XLSX
    elif ext == "csv":
        data, mimetype = template_csv(), "text/csv; charset=utf-8"
    else:
        abort(404)
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="roster-template.{ext}"'},
    )


@bp.route("/import/<token>", methods=["GET", "POST"])
@login_required
def import_preview(token: str) -> BaseResponse | tuple[str, int]:
    _require()
    form = ConfirmForm()
    problem = None
    try:
        name, plan = importing.preview(current_user, token)
    except DomainError as err:
        if err.status == 404:
            abort(404, err.message)
        # The file itself cannot be read: say why, on the upload page.
        upload = UploadForm()
        upload.file.errors = [err.message]
        return render("rosters/import.html", "upload", form=upload), 422
    if form.validate_on_submit():
        if plan.ok:
            job = importing.confirm(current_user, token, url_for("search.index"))
            return redirect_after_change(url_for("jobs.show", job_id=job.id))
        problem = _("文件中还有问题，不能导入。请修改文件后重新上传。")
    status = 422 if problem or form.errors else 200
    return render(
        "rosters/preview.html",
        "preview",
        plan=plan,
        name=name,
        token=token,
        form=form,
        problem=problem,
    ), status
