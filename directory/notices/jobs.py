"""The background delivery of a notice (a `directory/jobs` task)."""

from __future__ import annotations

from typing import Any

from flask import url_for
from flask_babel import gettext as _

from directory.jobs import Job, job_task
from directory.notices.delivery import deliver
from directory.web.links import offline_request


@job_task("notices.deliver")
def deliver_task(job: Job, params: dict[str, Any]) -> dict[str, Any] | None:
    """Materialise the recipients of one notice (all or nothing, in the job's unit of work)."""
    notice_id = int(params["notice_id"])
    job.progress(0, None)
    count = deliver(notice_id)
    job.progress(count, count)
    return {
        "url": _coverage_link(notice_id),
        "label": _("已送达 %(n)d 人，查看阅读情况", n=count),
    }


def _coverage_link(notice_id: int) -> str:
    """The coverage page; a job consumer (thread or `flask jobs run`) has no request."""
    with offline_request():
        return url_for("notices.coverage", notice_id=notice_id)
