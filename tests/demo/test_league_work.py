"""`flask demo-activity` also shows league work: notices read and unread, reports, liaison gaps."""

from __future__ import annotations

from sqlalchemy import func, select

from directory.demo.league_work import FIRST_NOTICE
from directory.demo.seed import seed_demo
from directory.extensions import db
from directory.liaison.models import LiaisonAssignment
from directory.notices.models import Notice, NoticeRecipient
from directory.people.models import Person
from directory.reports.models import InfoReport, ReportStatus


def _count(model, *where) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_demo_league_work(runner, small_regions) -> None:
    seed_demo(cadres=400, seed=7)
    result = runner.invoke(args=["demo-activity"])
    assert result.exit_code == 0, result.output
    assert "2 notices" in result.output
    first = db.session.scalar(select(Notice).where(Notice.title == FIRST_NOTICE))
    assert first is not None and first.recipient_count > 10
    read = _count(
        NoticeRecipient, NoticeRecipient.notice_id == first.id, NoticeRecipient.read_at.is_not(None)
    )
    replied = _count(
        NoticeRecipient,
        NoticeRecipient.notice_id == first.id,
        NoticeRecipient.replied_at.is_not(None),
    )
    assert 0 < replied < read < first.recipient_count
    # 张彤 has it waiting, unread.
    cadre = db.session.scalar(select(Person).where(Person.email.startswith("cadre@")))
    mine = db.session.scalar(
        select(NoticeRecipient).where(
            NoticeRecipient.notice_id == first.id, NoticeRecipient.person_id == cadre.id
        )
    )
    assert mine is not None and mine.read_at is None
    states = set(db.session.scalars(select(InfoReport.status)))
    assert {ReportStatus.ADOPTED, ReportStatus.RETURNED, ReportStatus.SUBMITTED} <= states
    assert _count(InfoReport, InfoReport.forwarded_from_id.is_not(None)) >= 1
    assert _count(LiaisonAssignment) >= 1
    again = runner.invoke(args=["demo-activity"])
    assert again.exit_code == 0 and "0 notices" in again.output
