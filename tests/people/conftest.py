"""Extra personas and helpers for the people area."""

from __future__ import annotations

from datetime import date

import pytest

from directory.extensions import db
from directory.people.models import Person
from tests.factories import World, make_person

WECHAT = "zt_wechat01"


@pytest.fixture
def target(cadre: Person) -> Person:
    """The cadre with all three contact fields filled in."""
    cadre.wechat = WECHAT
    db.session.commit()
    return cadre


@pytest.fixture
def branch_admin(world: World) -> Person:
    """Admin of the branch that holds the cadre's membership (not of anything above it)."""
    return make_person(
        name="陈静",
        email="chenjing@example.org",
        membership_org_id=world.street_org.id,
        admin_of=[world.branch],
    )


@pytest.fixture
def colleague(world: World) -> Person:
    """Holds a current position in the cadre's branch."""
    return make_person(
        name="刘洋",
        email="liuyang@example.org",
        membership_org_id=world.street_org.id,
        positions=[(world.branch, "委员", date(2022, 5, 1), None)],
    )


@pytest.fixture
def former_colleague(world: World) -> Person:
    """Once held a position in the cadre's branch; now a member in Chengdu."""
    return make_person(
        name="孙悦",
        email="sunyue@example.org",
        membership_org_id=world.chengdu_org.id,
        positions=[(world.branch, "干事", date(2015, 1, 1), date(2018, 6, 30))],
    )


def picked(obj, field: str = "organisation") -> dict[str, str]:
    """What a browser sends for a picker (web/picker.py) after the user took `obj` from its
    list: the id in the hidden input, the name typed and the name that went with the id."""
    return {field: str(obj.id), f"{field}_q": obj.name, f"{field}_label": obj.name}
