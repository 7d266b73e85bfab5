"""A job's progress page; its progress block polls itself with htmx until the job ends."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user, login_required

from directory.extensions import db
from directory.jobs.models import Job
from directory.jobs.runner import progress_of, settle_if_stale
from directory.web.rendering import render

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


@bp.route("/<id:job_id>")
@login_required
def show(job_id: int) -> str:
    job = db.session.get(Job, job_id)
    # Only its owner and system admins learn that a job exists.
    if job is None or not (job.owner_id == current_user.id or current_user.is_admin):
        abort(404)
    job = settle_if_stale(job)
    return render("jobs/show.html", "progress", job=job, progress=progress_of(job.id))
