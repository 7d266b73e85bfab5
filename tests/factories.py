"""Plain factories and persona fixtures (loaded through pytest_plugins)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from flask import Flask

from directory.core.enums import OrgLevel, PositionStatus, RegionLevel, Sector
from directory.core.passwords import hash_password
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.people.models import OrgAdmin, Person, Position
from directory.people.services import pinyin_of
from directory.regions.models import Region

PASSWORD = "correct-horse-9"
_seq = itertools.count(1)
_hash_cache: dict[str, str] = {}


def make_region(code: str, name: str, parent: Region | None = None) -> Region:
    level = {2: "province", 4: "city", 6: "county", 9: "township", 12: "village"}[len(code)]
    region = Region(code=code, name=name, level=RegionLevel(level), parent=parent)
    db.session.add(region)
    db.session.flush()
    return region


def make_org(
    name: str,
    region: Region,
    parent: Organisation | None = None,
    level: OrgLevel | str = OrgLevel.BRANCH,
    sector: Sector | str | None = None,
) -> Organisation:
    org = Organisation(
        name=name,
        level=OrgLevel(level),
        sector=Sector(sector) if sector else None,
        region=region,
        parent=parent,
    )
    db.session.add(org)
    db.session.flush()
    org.path = f"{parent.path if parent else '/'}{org.id}/"
    db.session.flush()
    return org


def make_person(**overrides: Any) -> Person:
    n = next(_seq)
    name = overrides.pop("name", f"测试{n}")
    if PASSWORD not in _hash_cache:
        _hash_cache[PASSWORD] = hash_password(PASSWORD)
    values: dict[str, Any] = {
        "name": name,
        "name_pinyin": pinyin_of(name),
        "email": f"person{n}@example.org",
        "password_hash": _hash_cache[PASSWORD],
    }
    admin_of = overrides.pop("admin_of", [])
    positions = overrides.pop("positions", [])
    values.update(overrides)
    person = Person(**values)
    db.session.add(person)
    db.session.flush()
    for org in admin_of:
        db.session.add(OrgAdmin(person=person, organisation=org))
    for org, title, start, end in positions:
        db.session.add(
            Position(
                person=person,
                organisation=org,
                title=title,
                start_date=start,
                end_date=end,
                status=PositionStatus.CONFIRMED,
            )
        )
    db.session.commit()
    return person


@dataclass
class World:
    """A small real slice of the tree: Sichuan > Nanchong > Shunqing > a street > a community."""

    sichuan: Region
    nanchong: Region
    shunqing: Region
    street_region: Region
    chengdu: Region
    province_org: Organisation
    city_org: Organisation
    county_org: Organisation
    street_org: Organisation
    branch: Organisation
    chengdu_org: Organisation


@pytest.fixture
def world(app: Flask) -> World:
    return make_world()


def make_world() -> World:
    """Build the regions and organisations of `World` (committed; needs an app context).

    A few flushes rather than two per row (each flush of this schema costs a few
    milliseconds, and every test that meets a persona builds this world)."""

    def region(code: str, name: str, parent: Region | None = None) -> Region:
        level = {2: "province", 4: "city", 6: "county", 9: "township"}[len(code)]
        return Region(code=code, name=name, level=RegionLevel(level), parent=parent)

    def org(
        name: str,
        where: Region,
        parent: Organisation | None,
        level: OrgLevel,
        sector: Sector | None = None,
    ) -> Organisation:
        return Organisation(name=name, level=level, sector=sector, region=where, parent=parent)

    # Three flushes keep the ids of one-by-one creation (a flush inserts a tree's rows
    # parents first, not in the order they were added).
    sichuan = region("51", "四川省")
    nanchong = region("5113", "南充市", sichuan)
    shunqing = region("511302", "顺庆区", nanchong)
    street_region = region("511302001", "中城街道", shunqing)
    db.session.add_all([sichuan, nanchong, shunqing, street_region])
    db.session.flush()
    chengdu = region("5101", "成都市", sichuan)
    province_org = org("共青团四川省委", sichuan, None, OrgLevel.PROVINCE, Sector.GOVERNMENT)
    city_org = org("共青团南充市委", nanchong, province_org, OrgLevel.CITY, Sector.GOVERNMENT)
    county_org = org("共青团顺庆区委", shunqing, city_org, OrgLevel.COUNTY, Sector.GOVERNMENT)
    street_org = org("中城街道团工委", street_region, county_org, OrgLevel.TOWNSHIP)
    branch = org("模范街社区团支部", street_region, street_org, OrgLevel.BRANCH, Sector.COMMUNITY)
    db.session.add_all([chengdu, province_org, city_org, county_org, street_org, branch])
    db.session.flush()
    chengdu_org = org("共青团成都市委", chengdu, province_org, OrgLevel.CITY, Sector.GOVERNMENT)
    db.session.add(chengdu_org)
    db.session.flush()
    orgs = [province_org, city_org, county_org, street_org, branch, chengdu_org]
    for o in orgs:
        o.path = f"{o.parent.path if o.parent else '/'}{o.id}/"
    db.session.commit()
    return World(
        sichuan,
        nanchong,
        shunqing,
        street_region,
        chengdu,
        province_org,
        city_org,
        county_org,
        street_org,
        branch,
        chengdu_org,
    )


@pytest.fixture
def cadre(world: World) -> Person:
    """A part-time cadre in a community branch."""
    return make_person(
        name="张彤",
        email="zhangtong@example.org",
        phone="+8613800138000",
        membership_org_id=world.branch.id,
        positions=[(world.branch, "书记", date(2021, 3, 1), None)],
    )


@pytest.fixture
def org_admin(world: World) -> Person:
    """Admin of the Shunqing district committee (and so of its subtree)."""
    return make_person(
        name="李明",
        email="liming@example.org",
        membership_org_id=world.county_org.id,
        admin_of=[world.county_org],
        positions=[(world.county_org, "副书记", date(2019, 1, 1), None)],
    )


@pytest.fixture
def admin(world: World) -> Person:
    """A system admin."""
    return make_person(name="王强", email="admin@example.org", is_admin=True)


@pytest.fixture
def outsider(world: World) -> Person:
    """A cadre in Chengdu who shares nothing with `cadre`."""
    return make_person(
        name="赵丽",
        email="zhaoli@example.org",
        membership_org_id=world.chengdu_org.id,
        positions=[(world.chengdu_org, "委员", date(2020, 1, 1), None)],
    )
