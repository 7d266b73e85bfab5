"""`flask demo-activity`: the demo world gets discussions, transfers in every state, notifications."""

from __future__ import annotations

from sqlalchemy import func, select

from directory.demo.activity import FIRST_GROUP
from directory.demo.seed import seed_demo
from directory.extensions import db
from directory.groups.models import Group, JoinRequest, RequestStatus
from directory.groups.post_models import Attachment, Post, PostReport, Thread
from directory.main.home import load_home
from directory.notifications.models import Notification
from directory.people.models import Person
from directory.transfers.models import Transfer, TransferState


def _count(model, *where) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_demo_activity_is_lived_in_and_idempotent(runner, small_regions) -> None:
    seed_demo(cadres=400, seed=7)
    result = runner.invoke(args=["demo-activity"])
    assert result.exit_code == 0, result.output
    assert "3 groups" in result.output
    states = set(db.session.scalars(select(Transfer.state)))
    assert states == set(TransferState)  # every state of the workflow is on show
    main = db.session.scalar(select(Group).where(Group.name == FIRST_GROUP))
    assert main is not None and main.thread_count >= 3
    assert _count(Thread) >= 4 and _count(Post) >= 11
    assert _count(Post, Post.body.contains("#")) >= 2  # mentions as the autocomplete writes them
    assert _count(Attachment) == 1
    assert _count(PostReport, PostReport.handled_at.is_(None)) == 1
    assert _count(JoinRequest, JoinRequest.status == RequestStatus.PENDING) >= 3
    assert _count(Notification) >= 10
    # The demo accounts meet work on their home pages.
    cadre = db.session.scalar(select(Person).where(Person.email.startswith("cadre@")))
    boss = db.session.scalar(select(Person).where(Person.email.startswith("orgadmin@")))
    assert load_home(cadre).todo_count >= 2 and load_home(cadre).feed
    assert load_home(boss).transfers_waiting >= 2 and load_home(boss).groups.reports == 1
    # A second run changes nothing.
    again = runner.invoke(args=["demo-activity"])
    assert again.exit_code == 0 and "0 groups" in again.output
    assert _count(Transfer) == len(states) + 1


def test_needs_the_demo_world(runner, small_regions) -> None:
    result = runner.invoke(args=["demo-activity"])
    assert result.exit_code != 0 and "seed-demo" in result.output
