"""The organisation service on its own: path upkeep, permissions, one transaction per call."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from directory.core.enums import OrgLevel
from directory.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from directory.extensions import db
from directory.notifications.models import Notification
from directory.orgs import services as svc
from directory.orgs.models import Organisation
from directory.people import org_admins
from directory.people.models import OrgAdmin
from tests.factories import make_person


@pytest.fixture(autouse=True)
def _request(app):  # type: ignore[no-untyped-def]
    # Error messages are translated, and the locale is chosen from the request.
    with app.test_request_context():
        yield


def _org_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Organisation))


def test_paths_follow_the_chain(world, admin):
    county = svc.create_organisation(
        admin,
        parent_id=world.city_org.id,
        name="共青团高坪区委",
        level="county",
        region_code="5113",
        sector="government",
    )
    town = svc.create_organisation(
        admin, parent_id=county.id, name="东观镇团委", level=OrgLevel.TOWNSHIP, region_code="5113"
    )
    branch = svc.create_organisation(
        admin,
        parent_id=town.id,
        name="东观村团支部",
        level="branch",
        region_code="5113",
        sector="rural",
    )
    p, c = world.province_org.id, world.city_org.id
    assert county.path == f"/{p}/{c}/{county.id}/"
    assert town.path == f"/{p}/{c}/{county.id}/{town.id}/"
    assert branch.path == f"{town.path}{branch.id}/"
    assert branch.ancestor_ids == [p, c, county.id, town.id, branch.id]
    subtree = set(
        db.session.scalars(select(Organisation.id).where(Organisation.path.like(f"{county.path}%")))
    )
    assert subtree == {county.id, town.id, branch.id}
    top = svc.create_organisation(
        admin, parent_id=None, name="团中央", level="central", region_code="51"
    )
    assert top.path == f"/{top.id}/"


def test_edit_keeps_the_path(world, admin):
    before = world.branch.path
    svc.update_organisation(
        admin, world.branch.id, name="改名团支部", region_code="511302", sector=None
    )
    db.session.expire_all()
    assert world.branch.path == before and world.branch.parent_id == world.street_org.id


def test_top_level_needs_system_admin(world, org_admin):
    with pytest.raises(PermissionDenied):
        svc.create_organisation(
            org_admin, parent_id=None, name="某顶级", level="central", region_code="51"
        )
    assert _org_count() == 6


def test_errors_write_nothing(world, org_admin, cadre):
    cases = [
        dict(name="  ", level="township", region_code="511302"),
        dict(name="好名字", level="province", region_code="511302"),
        dict(name="好名字", level="township", region_code="0000"),
        dict(name="好名字", level="township", region_code="511302", sector="moon"),
    ]
    for kwargs in cases:
        with pytest.raises(ValidationError):
            svc.create_organisation(org_admin, parent_id=world.county_org.id, **kwargs)
    with pytest.raises(NotFound):
        svc.create_organisation(
            org_admin, parent_id=12345, name="好名字", level="branch", region_code="51"
        )
    with pytest.raises(PermissionDenied):
        svc.create_organisation(
            cadre, parent_id=world.branch.id, name="好名字", level="branch", region_code="51"
        )
    assert _org_count() == 6
    with pytest.raises(ValidationError):
        org_admins.add_org_admin(org_admin, world.county_org.id, 999_999)
    assert db.session.scalar(select(func.count()).select_from(OrgAdmin)) == 1
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_name_is_trimmed_and_normalised(world, admin):
    org = svc.create_organisation(
        admin,
        parent_id=world.street_org.id,
        name="  新\u0043\u0301社区团支部 ",
        level="branch",
        region_code="511302001",
    )
    assert org.name == "新\u0106社区团支部"


def test_dissolved_sibling_frees_its_name(world, admin):
    old = svc.create_organisation(
        admin,
        parent_id=world.street_org.id,
        name="重名团支部",
        level="branch",
        region_code="511302001",
    )
    svc.dissolve_organisation(admin, old.id)
    again = svc.create_organisation(
        admin,
        parent_id=world.street_org.id,
        name="重名团支部",
        level="branch",
        region_code="511302001",
    )
    assert again.id != old.id


def test_dissolve_rules(world, admin, cadre):
    with pytest.raises(ValidationError, match="下级组织"):
        svc.dissolve_organisation(admin, world.street_org.id)
    with pytest.raises(ValidationError, match="现任团干部"):
        svc.dissolve_organisation(admin, world.branch.id)
    # End the post: former cadres do not block.
    for position in cadre.positions:
        position.end_date = date(2025, 1, 1)
    db.session.commit()
    branch = svc.dissolve_organisation(admin, world.branch.id)
    assert branch.dissolved_at is not None
    assert svc.dissolve_organisation(admin, world.street_org.id).is_dissolved
    with pytest.raises(Conflict):
        svc.dissolve_organisation(admin, world.branch.id)
    with pytest.raises(Conflict):
        svc.create_organisation(
            admin, parent_id=world.branch.id, name="不行", level="branch", region_code="51"
        )


def test_remove_admin_rules(world, org_admin, admin):
    helper = make_person(name="助手", email="helper@example.org")
    org_admins.add_org_admin(org_admin, world.county_org.id, helper.id)
    org_admins.remove_org_admin(org_admin, world.county_org.id, helper.id)
    with pytest.raises(ValidationError):
        org_admins.remove_org_admin(org_admin, world.county_org.id, org_admin.id)
    with pytest.raises(NotFound):
        org_admins.remove_org_admin(org_admin, world.county_org.id, helper.id)
    org_admins.remove_org_admin(admin, world.county_org.id, org_admin.id)
    assert db.session.scalar(select(func.count()).select_from(OrgAdmin)) == 0
