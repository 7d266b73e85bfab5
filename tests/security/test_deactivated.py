"""Deactivated accounts disappear for others: profile, org pages, group rosters (finding 9)."""

from __future__ import annotations

from datetime import date

import pytest

from directory.extensions import db
from tests.factories import make_person
from tests.groups.conftest import make_group


@pytest.fixture
def gone(world):
    """A deactivated cadre with a current position, membership and a phone number."""
    person = make_person(
        name="郑离",
        membership_org_id=world.branch.id,
        phone="+8613900139000",
        positions=[(world.branch, "副书记", date(2022, 1, 1), None)],
    )
    person.is_active_account = False
    db.session.commit()
    return person


def test_profile_is_404_for_others_but_not_for_its_admin(client, auth, cadre, org_admin, gone):
    auth.login(cadre)
    assert client.get(f"/people/{gone.id}").status_code == 404
    assert client.get(f"/people/{gone.id}/edit").status_code == 404
    auth.logout()
    auth.login(org_admin)
    assert client.get(f"/people/{gone.id}").status_code == 200
    assert client.get(f"/admin/accounts/{gone.id}").status_code == 200


def test_org_page_lists_no_deactivated_person(client, auth, cadre, org_admin, world, gone):
    for viewer in (cadre, org_admin):
        auth.login(viewer)
        page = client.get(f"/orgs/{world.branch.id}").get_data(as_text=True)
        assert "张彤" in page  # the active cadre is listed
        assert "郑离" not in page and "13900139000" not in page
        auth.logout()


def test_group_roster_lists_no_deactivated_member(client, auth, owner, gone):
    group = make_group(owner, members=(gone,))
    auth.login(owner)
    page = client.get(f"/groups/{group.id}/members").get_data(as_text=True)
    assert "陈红" in page and "郑离" not in page
