"""The demo seed builds a consistent world on a small region set."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date

import phonenumbers
import pytest
from sqlalchemy import func, select, text

from directory.core.enums import CadreKind, Establishment, OrgLevel, PositionStatus, Sector
from directory.demo.seed import DEMO_PASSWORD, seed_demo
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.people.claims import reviewable_claims
from directory.people.models import OrgAdmin, Person, Position
from directory.regions.models import Region

CJK = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]{2,4}$")


@pytest.fixture
def seeded(small_regions):
    return seed_demo(cadres=400, seed=7)


def _orgs() -> dict[int, Organisation]:
    return {o.id: o for o in db.session.scalars(select(Organisation))}


def test_counts_match_what_was_written(seeded):
    assert seeded.people == 403 == db.session.scalar(select(func.count()).select_from(Person))
    assert seeded.organisations == db.session.scalar(select(func.count()).select_from(Organisation))
    assert seeded.positions == db.session.scalar(
        select(func.count()).select_from(Position).where(Position.grants_access)
    )
    assert seeded.claims == db.session.scalar(
        select(func.count()).select_from(Position).where(Position.status == PositionStatus.PENDING)
    )
    assert seeded.org_admins == db.session.scalar(select(func.count()).select_from(OrgAdmin))


def test_postgresql_has_statistics_of_the_load(seeded):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("ANALYZE after the load is for PostgreSQL's planner")
    rows = db.session.scalar(select(func.count()).select_from(Person))
    estimate = db.session.scalar(
        text("SELECT reltuples FROM pg_class WHERE oid = 'person'::regclass")
    )
    assert estimate == rows == 403


def test_tree_paths_levels_and_names(seeded):
    orgs = _orgs()
    regions = {r.id: r for r in db.session.scalars(select(Region))}
    roots = [o for o in orgs.values() if o.parent_id is None]
    assert [r.name for r in roots] == ["共青团四川省委"]
    for org in orgs.values():
        parent = orgs.get(org.parent_id) if org.parent_id else None
        assert org.path == f"{parent.path if parent else '/'}{org.id}/"
        if parent:
            assert parent.level.rank < org.level.rank
            assert regions[org.region_id].code.startswith(regions[parent.region_id].code)
        assert regions[org.region_id].code.startswith("51")
    names = {o.name for o in orgs.values()}
    assert {"共青团成都市委", "共青团南充市委", "共青团阿坝州委"} <= names
    assert {"共青团顺庆区委", "共青团南部县委", "共青团阆中市委", "共青团汶川县委"} <= names
    assert not any("良种场" in n or "重庆" in n for n in names)
    townships = [o for o in orgs.values() if o.level == OrgLevel.TOWNSHIP]
    assert len(townships) >= 8
    for org in townships:
        region = regions[org.region_id].name
        assert org.name == region + ("团工委" if region.endswith("街道") else "团委")
        assert orgs[org.parent_id].level == OrgLevel.COUNTY
    branches = [o for o in orgs.values() if o.level.rank > OrgLevel.TOWNSHIP.rank]
    assert branches
    assert all(
        o.sector is not None and orgs[o.parent_id].level == OrgLevel.TOWNSHIP for o in branches
    )
    assert {o.sector for o in branches} & {Sector.RURAL, Sector.COMMUNITY}


def test_people_are_placed_with_ordered_history(seeded):
    orgs = _orgs()
    people = list(db.session.scalars(select(Person)))
    by_person: dict[int, list[Position]] = {}
    # The generated careers (confirmed); the few seeded claims are tested on their own.
    for pos in db.session.scalars(select(Position).where(Position.grants_access)):
        by_person.setdefault(pos.person_id, []).append(pos)
        assert pos.end_date is None or pos.start_date <= pos.end_date <= date(2026, 12, 31)
    secretaries = Counter()
    for person in people:
        assert person.membership_org_id in orgs
        held = by_person[person.id]
        assert 1 <= len(held) <= 3
        current = [p for p in held if p.end_date is None]
        assert [p.organisation_id for p in current] == [person.membership_org_id]
        assert min(p.start_date.year for p in held) - person.birth_year >= 18
        secretaries.update(p.organisation_id for p in current if p.title == "书记")
    assert max(secretaries.values()) == 1
    moved = [
        p
        for ps in by_person.values()
        for p in ps
        if p.end_date
        and p.end_date.year == 2019
        and p.organisation_id != next(q for q in ps if q.end_date is None).organisation_id
    ]
    assert len(moved) >= 20


def test_cadre_attributes_are_realistic(seeded):
    people = list(db.session.scalars(select(Person)))
    assert all(CJK.match(p.name) for p in people)
    assert len({p.name[0] for p in people}) >= 30
    assert Counter(p.name[0] for p in people).most_common(1)[0][1] >= 10
    ages = [2026 - p.birth_year for p in people]
    assert max(ages) <= 40
    assert sum(a <= 35 for a in ages) / len(ages) >= 0.85
    assert all(2026 - p.birth_year <= 38 for p in people if p.cadre_kind != CadreKind.PART_TIME)
    assert {p.cadre_kind for p in people} == set(CadreKind)
    emails = [p.email for p in people]
    assert len(set(emails)) == len(emails)
    assert all(re.fullmatch(r"[a-z0-9.]+@demo\.tuanyoulu\.cn", e) for e in emails)
    phones = [p.phone for p in people if p.phone]
    assert len(phones) >= 0.8 * len(people) and len(set(phones)) == len(phones)
    assert all(phonenumbers.is_valid_number(phonenumbers.parse(n)) for n in phones)
    wechats = [p.wechat for p in people if p.wechat]
    assert all(re.fullmatch(r"[a-z][a-z0-9_]{5,19}", w) for w in wechats)
    assert sum(bool(p.bio) for p in people) >= 0.5 * len(people)
    assert len({p.phone_visibility for p in people}) == 3
    assert len({p.email_visibility for p in people}) == 3
    assert all(
        p.name_pinyin and p.name_pinyin.isascii() for p in people if p.name.isascii() is False
    )


def test_township_establishment_is_about_one_in_seven(small_regions):
    seed_demo(cadres=1500, seed=3)
    rows = (
        db.session.execute(
            select(Person.establishment)
            .join(Organisation, Person.membership_org_id == Organisation.id)
            .where(Organisation.level == OrgLevel.TOWNSHIP)
        )
        .scalars()
        .all()
    )
    assert len(rows) >= 300
    share_in = rows.count(Establishment.IN) / len(rows)
    assert 0.08 <= share_in <= 0.22


def test_demo_accounts_sign_in(seeded, client):
    for who in ("admin", "cadre", "orgadmin"):
        r = client.post(
            "/auth/login", data={"email": f"{who}@demo.tuanyoulu.cn", "password": DEMO_PASSWORD}
        )
        assert r.status_code == 302, who
        client.post("/auth/logout")
    admin = db.session.scalar(select(Person).where(Person.email == "admin@demo.tuanyoulu.cn"))
    assert admin.is_admin
    cadre = db.session.scalar(select(Person).where(Person.email == "cadre@demo.tuanyoulu.cn"))
    assert cadre.name == "张彤" and not cadre.is_admin
    assert cadre.membership_org.region.code.startswith("5113")
    orgadmin = db.session.scalar(select(Person).where(Person.email == "orgadmin@demo.tuanyoulu.cn"))
    assert [a.organisation.name for a in orgadmin.admin_of] == ["共青团南充市委"]
    assert db.session.scalar(select(func.count()).select_from(OrgAdmin)) >= 5


def test_same_seed_same_world_and_force_replaces(small_regions):
    def snapshot() -> list[tuple]:
        return db.session.execute(
            select(Person.name, Person.email, Person.phone, Organisation.name)
            .join(Organisation, Person.membership_org_id == Organisation.id)
            .order_by(Person.email)
        ).all()

    seed_demo(cadres=150, seed=11)
    first = snapshot()
    seed_demo(cadres=150, seed=11, force=True)
    assert snapshot() == first
    seed_demo(cadres=150, seed=12, force=True)
    assert snapshot() != first
    assert db.session.scalar(select(func.count()).select_from(Person)) == 153


def test_rows_added_after_the_seed_get_fresh_ids(seeded):
    # The seed gives ids explicitly; PostgreSQL's sequences must have moved past them.
    from tests.factories import make_org, make_person

    city = db.session.scalar(select(Organisation).where(Organisation.name == "共青团南充市委"))
    branch = make_org("南充市青年志愿者协会团支部", city.region, city, OrgLevel.BRANCH)
    assert branch.id == seeded.organisations + 1
    assert branch.path == f"{city.path}{branch.id}/"
    newcomer = make_person(name="新来的", membership_org_id=branch.id)
    assert newcomer.id == seeded.people + 1


def test_a_few_pending_claims_wait_for_the_demo_org_admin(seeded):
    boss = db.session.scalar(select(Person).where(Person.email == "orgadmin@demo.tuanyoulu.cn"))
    claims = list(
        db.session.scalars(select(Position).where(Position.status == PositionStatus.PENDING))
    )
    assert 1 <= len(claims) <= 4 and len(claims) == seeded.claims
    city = boss.admin_of[0].organisation
    for claim in claims:
        assert claim.organisation.path.startswith(city.path)
        assert claim.recorded_by_id == claim.person_id and claim.reviewed_at is None
    queue = reviewable_claims(boss)
    assert {p.id for p in queue.items} == {p.id for p in claims}
