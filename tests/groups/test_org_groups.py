"""Automatic organisation groups follow positions (through the people service's signals)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update

from directory.extensions import db
from directory.groups.models import Group, GroupMember, GroupVisibility, JoinPolicy
from directory.people import services as people
from directory.people.models import Position


def _auto_members(org_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(GroupMember.person_id)
            .join(Group, Group.id == GroupMember.group_id)
            .where(Group.auto_org_id == org_id)
        )
    )


def test_positions_keep_the_group_in_step(world, org_admin, cadre) -> None:  # type: ignore[no-untyped-def]
    assert _auto_members(world.street_org.id) == set()
    position = people.add_position(org_admin, cadre, world.street_org, "委员", date(2024, 1, 1))
    group = db.session.scalar(select(Group).where(Group.auto_org_id == world.street_org.id))
    assert group is not None and group.name == "中城街道团工委"
    assert group.visibility == GroupVisibility.MEMBERS and group.join_policy == JoinPolicy.INVITE
    assert _auto_members(world.street_org.id) == {cadre.id}
    assert group.member_count == 1
    people.end_position(org_admin, position, date(2025, 1, 1))
    assert _auto_members(world.street_org.id) == set()
    db.session.refresh(group)
    assert group.member_count == 0
    again = people.add_position(org_admin, cadre, world.street_org, "委员", date(2025, 2, 1))
    assert _auto_members(world.street_org.id) == {cadre.id}
    people.delete_position(org_admin, again)
    assert _auto_members(world.street_org.id) == set()
    # Still one automatic group per organisation.
    assert (
        len(db.session.scalars(select(Group).where(Group.auto_org_id == world.street_org.id)).all())
        == 1
    )


def test_sync_all_builds_groups_for_current_cadres(world, cadre, org_admin, outsider) -> None:  # type: ignore[no-untyped-def]
    from directory.groups.org_groups import sync_all_org_groups

    assert sync_all_org_groups() == 3
    assert _auto_members(world.branch.id) == {cadre.id}
    assert _auto_members(world.county_org.id) == {org_admin.id}
    assert _auto_members(world.chengdu_org.id) == {outsider.id}
    sync_all_org_groups()
    assert len(db.session.scalars(select(Group)).all()) == 3
    # A change that bypassed the services (bulk SQL) is repaired by the next sync.
    db.session.execute(
        update(Position).where(Position.person_id == cadre.id).values(end_date=date(2025, 1, 1))
    )
    db.session.commit()
    sync_all_org_groups()
    assert _auto_members(world.branch.id) == set()
    group = db.session.scalar(select(Group).where(Group.auto_org_id == world.branch.id))
    db.session.refresh(group)
    assert group.member_count == 0


def test_cli_sync_command(runner, world, cadre) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(args=["groups", "sync-org-groups"])
    assert result.exit_code == 0, result.output
    assert "1" in result.output
    assert _auto_members(world.branch.id) == {cadre.id}
