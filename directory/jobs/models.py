"""A background job as people see it: who asked, what it is doing, how it ended."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column

from directory.core.enums import JobStatus, enum_type
from directory.extensions import Model


class Job(Model):
    """One run of a job task. Its row is committed before the task is queued; the task
    marks it done in the same transaction as its own work, so "done" always means the
    work is committed, and a task that dies leaves no half of it (see jobs/runner.py)."""

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[JobStatus] = mapped_column(enum_type(JobStatus), default=JobStatus.QUEUED)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # What the task returned: e.g. {"url": ..., "label": ...} for the page to link to.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    message: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    def progress(self, done: int, total: int | None = None) -> None:
        """Report how far the task is (outside its transaction; see jobs/runner.py)."""
        from directory.jobs.runner import report

        report(self.id, done, total)
