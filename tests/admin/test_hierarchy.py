"""Issue 9, finding 2: the admin hierarchy. An admin manages an account only if every admin
role that account holds lies inside the manager's own subtree (system admins only by
system admins), in every admin page and service, and in the lists too."""

from __future__ import annotations

import pytest

from directory.extensions import db
from directory.people.models import Person
from directory.people.permissions import (
    administered_people_clause,
    can_administer_person,
)
from tests.factories import make_person
from tests.people.test_edit import GOOD


@pytest.fixture
def city_boss(world) -> Person:
    """Administers the city committee (above the county admin) but has their membership in
    the community branch, inside the county admin's subtree."""
    return make_person(
        name="高远",
        email="gaoyuan@example.org",
        membership_org_id=world.branch.id,
        admin_of=[world.city_org],
    )


def _fresh(person: Person) -> Person:
    db.session.expire_all()
    return db.session.get(Person, person.id)


def test_lower_admin_cannot_reset_or_edit_a_higher_admin(client, auth, org_admin, city_boss):
    auth.login(org_admin)
    assert client.post(f"/admin/accounts/{city_boss.id}/reset").status_code == 403
    r = client.post(f"/admin/accounts/{city_boss.id}/active", data={"active": "0"})
    assert r.status_code == 403
    assert client.get(f"/admin/accounts/{city_boss.id}").status_code == 403
    assert client.get(f"/people/{city_boss.id}/edit").status_code == 403
    r = client.post(f"/people/{city_boss.id}/edit", data={**GOOD, "email": "mine@example.org"})
    assert r.status_code == 403
    fresh = _fresh(city_boss)
    assert fresh.email == "gaoyuan@example.org" and fresh.password_hash
    assert fresh.is_active_account
    # Nor is the account offered in the admin's account list.
    listing = client.get("/admin/?q=高远").get_data(as_text=True)
    assert f"/admin/accounts/{city_boss.id}" not in listing


def test_admins_at_or_above_every_role_manage_the_account(client, auth, world, city_boss, admin):
    province_admin = make_person(
        name="省委管理员",
        membership_org_id=world.province_org.id,
        admin_of=[world.province_org],
    )
    for manager in (province_admin, admin):
        auth.login(manager)
        r = client.post(f"/admin/accounts/{city_boss.id}/reset")
        assert r.status_code in (200, 303), manager
        listing = client.get("/admin/?q=高远").get_data(as_text=True)
        assert f"/admin/accounts/{city_boss.id}" in listing
        auth.logout()


def test_a_role_outside_the_subtree_is_enough_to_refuse(world, org_admin):
    # Membership and one role inside the county, another role in Chengdu (outside it).
    split = make_person(
        name="双职",
        membership_org_id=world.branch.id,
        admin_of=[world.street_org, world.chengdu_org],
    )
    inside = make_person(name="街道管理员", membership_org_id=world.branch.id,
                         admin_of=[world.street_org])  # fmt: skip
    assert not can_administer_person(org_admin, split)
    assert can_administer_person(org_admin, inside)
    # The SQL form agrees with the per-row predicate.
    rows = set(
        db.session.scalars(db.select(Person.id).where(administered_people_clause(org_admin)))
    )
    assert inside.id in rows and split.id not in rows
    for person in db.session.scalars(db.select(Person)):
        assert (person.id in rows) == can_administer_person(org_admin, person), person
