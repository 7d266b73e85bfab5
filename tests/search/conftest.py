"""Search fixtures: the backend under test and a small realistic directory."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from types import SimpleNamespace

import pytest
from flask import Flask

from directory.core.enums import CadreKind, Establishment, OrgLevel, PoliticalStatus, Sector
from directory.search import sync
from tests.conftest import PG_URL
from tests.factories import World, make_org, make_person, make_region

BACKENDS = ["whoosh", "postgres"] if PG_URL else ["whoosh"]


@pytest.fixture(params=BACKENDS)
def backend_name(request: pytest.FixtureRequest, app_config: dict[str, object]) -> str:
    """Each search test runs on Whoosh, and on PostgreSQL's backend when on PostgreSQL."""
    app_config["SEARCH_BACKEND"] = request.param
    return request.param


@pytest.fixture
def search_app(backend_name: str, app: Flask) -> Flask:
    """The app with an empty index for the chosen backend."""
    from directory.search.backends import get_backend

    get_backend().clear("person")
    return app


@pytest.fixture
def directory(
    search_app: Flask, world: World, cadre, org_admin, outsider
) -> Iterator[SimpleNamespace]:
    """People covering every query kind: names, readings, former posts, bios, filters.

    Built with draining deferred to one drain at the end (fast); tests of the outbox
    itself use auto-drain.
    """
    search_app.config["SEARCH_AUTO_DRAIN"] = False
    mianyang = make_region("5107", "绵阳市", world.sichuan)
    school_org = make_org(
        "绵阳中学团委", mianyang, world.province_org, OrgLevel.BRANCH, Sector.SCHOOL
    )
    guangdong = make_region("44", "广东省", None)
    gz = make_region("4401", "广州市", guangdong)
    gz_org = make_org("共青团广州市委", gz, None, OrgLevel.CITY, Sector.GOVERNMENT)
    people = SimpleNamespace(world=world, cadre=cadre, org_admin=org_admin, outsider=outsider)
    people.zeng = make_person(
        name="曾国藩",
        positions=[
            (world.city_org, "宣传委员", date(2015, 1, 1), date(2019, 6, 30)),
            (world.chengdu_org, "副书记", date(2019, 7, 1), None),
        ],
        membership_org_id=world.chengdu_org.id,
        cadre_kind=CadreKind.FULL_TIME,
        establishment=Establishment.IN,
        political_status=PoliticalStatus.PARTY,
    )
    people.shan = make_person(
        name="单田芳",
        positions=[(school_org, "书记", date(2020, 9, 1), None)],
        cadre_kind=CadreKind.PART_TIME,
        establishment=Establishment.OUT,
        political_status=PoliticalStatus.LEAGUE,
        bio="热心青年志愿服务，组织过多次乡村振兴活动。",
    )
    people.ouyang = make_person(
        name="欧阳娜娜", positions=[(gz_org, "干事", date(2022, 1, 1), None)]
    )
    people.rare = make_person(
        name="王䶮", positions=[(world.street_org, "委员", date(2021, 1, 1), None)]
    )
    people.qiu = make_person(
        name="仇小明", positions=[(world.street_org, "组织委员", date(2021, 1, 1), None)]
    )
    people.gone = make_person(
        name="解放",
        is_active_account=False,
        positions=[(world.branch, "委员", date(2020, 1, 1), None)],
    )
    people.school_org, people.gz_org, people.mianyang = school_org, gz_org, mianyang
    sync.drain()
    search_app.config["SEARCH_AUTO_DRAIN"] = True
    yield people
