"""The background delivery of a notice (directory/jobs), registered when that feature exists."""

from __future__ import annotations

import importlib
from typing import Any

_registered = False


def register() -> None:
    """Declare the `notices.deliver` task with directory/jobs, if it is installed."""
    global _registered
    if _registered:
        return
    try:
        jobs = importlib.import_module("directory.jobs")
    except ModuleNotFoundError:
        return

    @jobs.job_task("notices.deliver")
    def deliver_task(job: Any, params: dict[str, Any]) -> dict[str, Any] | None:
        from flask import url_for

        from directory.notices.delivery import deliver

        notice_id = int(params["notice_id"])
        count = deliver(notice_id)
        job.progress(count, count)
        return {"url": url_for("notices.coverage", notice_id=notice_id), "label": "coverage"}

    _registered = True
