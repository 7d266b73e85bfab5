"""A league slice for notices, reports and liaison (also used by tests/reports and tests/liaison)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from flask import Flask, g

from directory.core.enums import CadreKind, OrgLevel, PositionStatus, Sector
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.people.models import Person, Position
from tests.factories import World, make_org, make_person

START = date(2021, 1, 1)


@pytest.fixture(autouse=True)
def request_context(app: Flask) -> Iterator[None]:
    """Services translate their messages and build links, which needs a request."""

    @app.before_request
    def _fresh_locale() -> None:
        g.pop("_flask_babel", None)

    with app.test_request_context("/"):
        yield


@dataclass
class League:
    world: World
    branch2: Organisation  # a second branch under the street committee (a school)
    county_admin: Person  # admin of the Shunqing district committee
    street_admin: Person  # admin of the street committee (an intermediate level)
    street_member: Person  # committee member (confirmed post in the street committee)
    a: Person  # cadres of the community branch
    b: Person
    c: Person  # cadre of the school branch, full-time
    claimant: Person  # a pending claim in the branch: reaches nothing
    former: Person  # an ended post in the branch
    outsider: Person  # a cadre in Chengdu


@pytest.fixture
def league(world: World) -> League:
    branch2 = make_org(
        "实验中学团委", world.street_region, world.street_org, OrgLevel.BRANCH, Sector.SCHOOL
    )
    county_admin = make_person(
        name="李明",
        membership_org_id=world.county_org.id,
        admin_of=[world.county_org],
        positions=[(world.county_org, "副书记", START, None)],
    )
    street_admin = make_person(
        name="周强",
        membership_org_id=world.street_org.id,
        admin_of=[world.street_org],
        positions=[(world.street_org, "书记", START, None)],
    )
    street_member = make_person(
        name="孙悦",
        membership_org_id=world.street_org.id,
        positions=[(world.street_org, "委员", START, None)],
    )
    a = make_person(name="张彤", positions=[(world.branch, "书记", START, None)])
    b = make_person(name="吴敏", positions=[(world.branch, "委员", START, None)])
    c = make_person(
        name="陈红",
        cadre_kind=CadreKind.FULL_TIME,
        positions=[(branch2, "书记", START, None), (world.branch, "委员", START, None)],
    )
    claimant = make_person(name="钱多")
    db.session.add(
        Position(
            person_id=claimant.id,
            organisation_id=world.branch.id,
            title="委员",
            start_date=START,
            status=PositionStatus.PENDING,
        )
    )
    former = make_person(name="郑华", positions=[(world.branch, "书记", START, date(2022, 1, 1))])
    outsider = make_person(name="赵丽", positions=[(world.chengdu_org, "委员", START, None)])
    db.session.commit()
    return League(
        world,
        branch2,
        county_admin,
        street_admin,
        street_member,
        a,
        b,
        c,
        claimant,
        former,
        outsider,
    )
