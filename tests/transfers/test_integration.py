"""Completion reaches the other areas through the signals: automatic organisation groups."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from directory.extensions import db
from directory.groups import org_groups
from directory.groups.models import Group, GroupMember
from directory.transfers import accepting
from directory.transfers import services as svc


def _auto_group_members(org_id: int) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(GroupMember.person_id)
            .join(Group, Group.id == GroupMember.group_id)
            .where(Group.auto_org_id == org_id)
        )
    )


def test_ending_positions_leaves_the_old_automatic_group(
    cadre, org_admin, world, receiving, submitted
):
    org_groups.sync_person_org_groups(cadre.id)
    db.session.commit()
    assert cadre.id in _auto_group_members(world.branch.id)
    svc.approve_out(org_admin, submitted.id, submitted.version)
    accepting.accept_in(receiving.admin, submitted.id, submitted.version, end_positions=True)
    assert cadre.id not in _auto_group_members(world.branch.id)


def test_keeping_positions_keeps_the_group(cadre, org_admin, world, receiving, submitted):
    org_groups.sync_person_org_groups(cadre.id)
    db.session.commit()
    svc.approve_out(org_admin, submitted.id, submitted.version)
    accepting.accept_in(receiving.admin, submitted.id, submitted.version, end_positions=False)
    assert cadre.id in _auto_group_members(world.branch.id)


@pytest.fixture
def app_config(app_config):
    # Keep the queued changes in the outbox so the test can see them.
    return {**app_config, "SEARCH_AUTO_DRAIN": False}


def test_completion_queues_the_member_for_the_search_index(cadre, org_admin, receiving, submitted):
    from directory.search.models import SearchOutbox

    db.session.execute(sa.delete(SearchOutbox))
    db.session.commit()
    svc.approve_out(org_admin, submitted.id, submitted.version)
    queued = lambda: db.session.scalars(  # noqa: E731
        sa.select(SearchOutbox.key).where(SearchOutbox.source == "person")
    ).all()
    assert cadre.id not in queued()  # an approval does not change the directory entry
    accepting.accept_in(receiving.admin, submitted.id, submitted.version)
    assert cadre.id in queued()
