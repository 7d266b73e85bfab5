"""The statistics tally stays equal to a recount from the people on every write path: ORM
inserts, updates (also of expired attributes), membership moves, deactivation, deletion,
rollbacks, the import's bulk SQL, and the figures read from it match a direct count."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from directory.core.enums import CadreKind, Establishment, PoliticalStatus
from directory.core.sql import startswith
from directory.core.uow import unit_of_work
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.people.models import Person
from directory.rosters.applying import apply_plan
from directory.rosters.planning import plan_import
from directory.rosters.reading import read_upload
from directory.stats import figures, quality, tally
from directory.stats.models import CadreTally, OrgTally
from tests.factories import World, make_person
from tests.rosters.helpers import person_row, xlsx


def _stored() -> set[tuple[object, ...]]:
    buckets = db.session.execute(
        select(
            CadreTally.org_id,
            CadreTally.birth_year,
            CadreTally.cadre_kind,
            CadreTally.establishment,
            CadreTally.political_status,
            CadreTally.people,
        ).where(CadreTally.people != 0)
    )
    totals = db.session.execute(
        select(OrgTally.org_id, OrgTally.own, OrgTally.people, OrgTally.filled).where(
            (OrgTally.own != 0) | (OrgTally.people != 0) | (OrgTally.filled != 0)
        )
    )
    return {("bucket", *r) for r in buckets} | {("org", *r) for r in totals}


def assert_current() -> None:
    """The stored tally equals one rebuilt from the people (in this transaction)."""
    db.session.flush()
    kept = _stored()
    tally.rebuild()
    assert kept == _stored()


def test_orm_writes_keep_the_tally_current(world: World, cadre: Person, org_admin: Person) -> None:
    assert _stored()
    assert_current()
    someone = make_person(
        name="新人", membership_org_id=world.street_org.id, birth_year=1999,
        cadre_kind=CadreKind.SECONDED, political_status=PoliticalStatus.PARTY,
    )  # fmt: skip
    assert_current()
    someone.cadre_kind = CadreKind.FULL_TIME
    someone.establishment = Establishment.IN
    someone.phone = "+8613900139000"
    db.session.commit()
    assert_current()
    someone.membership_org = world.chengdu_org  # through the relationship, not the column
    db.session.commit()
    assert_current()
    someone.is_active_account = False
    db.session.commit()
    assert_current()
    cadre.birth_year = None
    cadre.membership_org_id = None
    db.session.commit()
    assert_current()
    db.session.delete(org_admin)
    db.session.commit()
    assert_current()


def test_an_expired_attribute_still_moves_its_old_value(world: World, cadre: Person) -> None:
    db.session.commit()  # everything expired: the old values are not in memory
    cadre.cadre_kind = CadreKind.PART_TIME
    cadre.membership_org_id = world.street_org.id
    db.session.commit()
    assert_current()
    counts = figures.profile_counts(world.county_org)
    assert counts["kind"][CadreKind.PART_TIME] == 1


def test_a_rollback_takes_the_change_back(world: World, cadre: Person) -> None:
    before = _stored()
    cadre.membership_org_id = world.chengdu_org.id
    db.session.add(
        Person(name="路人", email="luren@example.org", membership_org_id=world.branch.id)
    )
    db.session.flush()
    assert _stored() != before
    db.session.rollback()
    assert _stored() == before


def test_the_import_keeps_the_tally_current(
    app, world: World, cadre: Person, org_admin: Person
) -> None:  # type: ignore[no-untyped-def]
    rows = [
        person_row(name="吴敏", email="wumin@example.org", birth_year="1998",
                   cadre_kind="兼职", membership_org="模范街社区团支部"),
        person_row(name="郑浩", email="zhenghao@example.org", membership_org="中城街道团工委",
                   political_status="中共党员"),
        person_row(name="张彤", email=cadre.email, membership_org="模范街社区团支部",
                   cadre_kind="专职", birth_year="1995"),
    ]  # fmt: skip
    with app.test_request_context("/"):
        plan = plan_import(org_admin, read_upload("r.xlsx", xlsx(rows)))
        assert plan.ok and plan.counts["create"] == 2 and plan.counts["update"] == 1
        with unit_of_work():
            apply_plan(org_admin, plan)
    assert_current()
    counts = figures.profile_counts(world.county_org)
    assert counts["kind"][CadreKind.FULL_TIME] == 1  # 张彤, updated by the import
    assert counts["political"][PoliticalStatus.PARTY] == 1  # 郑浩, created


def _move(org: Organisation, parent: Organisation) -> None:
    """Re-parent `org` and rewrite the paths of its subtree, in one flush."""
    old = org.path
    with db.session.no_autoflush:
        subtree = db.session.scalars(select(Organisation).where(startswith(Organisation.path, old)))
        org.parent = parent
        for o in subtree:
            o.path = parent.path + o.path[len(old) - len(f"{org.id}/") :]


def test_an_organisation_moved_takes_its_subtree_along(world: World, cadre: Person) -> None:
    """No code path moves organisations today; one that does through the ORM (rewriting the
    subtree's paths in the same flush) keeps the tally equal to a rebuild."""
    make_person(name="街道干部", membership_org_id=world.street_org.id, birth_year=1996)
    db.session.commit()
    moved = world.street_org.id
    before = figures.profile_counts(world.county_org)["birth_year"]
    assert sum(before.values()) >= 2
    _move(world.street_org, world.chengdu_org)
    db.session.commit()
    assert_current()
    assert sum(figures.profile_counts(world.county_org)["birth_year"].values()) == 0
    assert figures.profile_counts(world.chengdu_org)["birth_year"][1996] >= 1
    # With a person changed in the same flush, and back under its first parent.
    street = db.session.get(Organisation, moved)
    assert street is not None
    cadre.birth_year = 1990
    _move(street, world.county_org)
    db.session.commit()
    assert_current()
    assert figures.profile_counts(world.county_org)["birth_year"][1990] == 1
    # Made top-level, then a rollback takes the move back.
    kept = _stored()
    street.parent = None
    db.session.flush()
    assert _stored() != kept
    db.session.rollback()
    assert _stored() == kept


def test_figures_from_the_tally_match_a_direct_count(
    world: World, cadre: Person, org_admin: Person, outsider: Person
) -> None:
    for n in range(6):
        make_person(
            name=f"统计{n}",
            membership_org_id=(world.branch, world.street_org, world.county_org)[n % 3].id,
            birth_year=1990 + n,
            cadre_kind=list(CadreKind)[n % 3] if n % 4 else None,
            phone=f"+861380013800{n}" if n % 2 else None,
        )
    make_person(name="停用", membership_org_id=world.branch.id, is_active_account=False)
    org = world.county_org
    inside = select(Organisation.id).where(startswith(Organisation.path, org.path))
    direct = Counter(
        dict(
            db.session.execute(
                select(Person.cadre_kind, func.count())
                .where(Person.membership_org_id.in_(inside), Person.is_active_account)
                .group_by(Person.cadre_kind)
            ).all()
        )
    )
    assert figures.profile_counts(org)["kind"] == +direct
    people = sum(direct.values())
    [own, *children] = quality.completeness(org)
    assert own.people + sum(c.people for c in children) == people
