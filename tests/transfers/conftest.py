"""Fixtures of the transfer tests: a receiving side in Chengdu with its own admin."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask, g

from directory.core.enums import OrgLevel, Sector
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.people.models import Person
from directory.transfers import services as svc
from directory.transfers.models import Transfer, TransferReason
from tests.factories import World, make_org, make_person


@pytest.fixture(autouse=True)
def request_context(app: Flask) -> Iterator[None]:
    """Services translate their messages, and the locale selector needs a request."""

    @app.before_request
    def _fresh_locale() -> None:
        # Test requests share the test's app context (and `g`): forget the cached locale.
        g.pop("_flask_babel", None)

    with app.test_request_context("/"):
        yield


@dataclass
class Side:
    """The receiving side: a Chengdu school branch and its city committee's admin."""

    committee: Organisation
    branch: Organisation
    admin: Person


@pytest.fixture
def receiving(world: World) -> Side:
    branch = make_org(
        "成都七中团支部", world.chengdu, world.chengdu_org, OrgLevel.BRANCH, Sector.SCHOOL
    )
    admin = make_person(
        name="陈静",
        email="chenjing@example.org",
        membership_org_id=world.chengdu_org.id,
        admin_of=[world.chengdu_org],
    )
    db.session.commit()
    return Side(world.chengdu_org, branch, admin)


@pytest.fixture
def submitted(cadre: Person, receiving: Side) -> Transfer:
    """张彤 asks to move to the Chengdu branch (waiting for the 转出 approval)."""
    return svc.submit(cadre, cadre, receiving.branch, TransferReason.JOB, "工作调动到成都")
