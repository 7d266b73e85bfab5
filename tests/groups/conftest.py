"""Fixtures for the groups tests: a few groups in each visibility, posts, query counting."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask

from directory.extensions import db
from directory.groups import membership as group_membership
from directory.groups import posts
from directory.groups import services as groups
from directory.groups.models import Group, GroupVisibility, JoinPolicy
from directory.groups.permissions import GroupAccess
from directory.groups.post_models import Thread
from directory.people.models import Person
from directory.web.links import offline_request
from tests.factories import make_person


def make_group(
    owner: Person,
    name: str = "顺庆青年工作群",
    join_policy: JoinPolicy = JoinPolicy.OPEN,
    visibility: GroupVisibility = GroupVisibility.PUBLIC,
    members: tuple[Person, ...] = (),
) -> Group:
    """A group owned by `owner`, with `members` added directly."""
    with offline_request():
        group = groups.create_group(
            owner, groups.GroupInput(name=name, join_policy=join_policy, visibility=visibility)
        )
        for person in members:
            # As if each joined the way the policy allows: vetted unless the group is open.
            group_membership._add_member(group, person.id, vetted=join_policy != JoinPolicy.OPEN)
        db.session.commit()
        db.session.refresh(group)
    return group


def make_thread(
    author: Person, group: Group, title: str = "工作交流", body: str = "大家好"
) -> Thread:
    """A thread started by `author` (who must be a member)."""
    with offline_request():
        return posts.create_thread(author, group, GroupAccess(author, group), title, body)


@dataclass
class Groups:
    public: Group
    members_only: Group
    hidden: Group
    by_request: Group


@pytest.fixture
def owner(world) -> Person:  # type: ignore[no-untyped-def]
    """The creator of the fixture groups (a cadre at the street committee)."""
    from datetime import date

    return make_person(
        name="陈红",
        email="chenhong@example.org",
        membership_org_id=world.street_org.id,
        positions=[(world.street_org, "书记", date(2020, 1, 1), None)],
    )


@pytest.fixture
def member(world) -> Person:  # type: ignore[no-untyped-def]
    """A plain member of every fixture group."""
    return make_person(name="周杰", email="zhoujie@example.org")


@pytest.fixture
def fixture_groups(app: Flask, owner: Person, member: Person) -> Groups:
    return Groups(
        public=make_group(owner, "公开交流群", members=(member,)),
        members_only=make_group(
            owner, "内部工作群", JoinPolicy.REQUEST, GroupVisibility.MEMBERS, (member,)
        ),
        hidden=make_group(
            owner, "秘密筹备群", JoinPolicy.INVITE, GroupVisibility.HIDDEN, (member,)
        ),
        by_request=make_group(owner, "申请加入群", JoinPolicy.REQUEST, GroupVisibility.PUBLIC),
    )


@pytest.fixture
def limited(app_config: dict[str, object]) -> dict[str, object]:
    """Rate limits on (request this fixture before `client`/`app`)."""
    import uuid

    app_config.update(
        RATELIMIT_ENABLED=True,
        RATELIMIT_KEY_PREFIX=f"g-{uuid.uuid4().hex}",
        GROUP_JOIN_RATE_LIMIT="2 per minute",
        GROUP_POST_RATE_LIMIT="2 per minute",
    )
    return app_config
