"""Appointing and removing organisation admins."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from directory.extensions import db
from directory.notifications.models import Notification
from directory.people.models import OrgAdmin
from tests.factories import make_person
from tests.orgs.conftest import HX


def _admin_rows(org) -> set[int]:
    return set(
        db.session.scalars(select(OrgAdmin.person_id).where(OrgAdmin.organisation_id == org.id))
    )


def test_admins_page_full_and_fragment(client, auth, world, org_admin):
    auth.login(org_admin)
    url = f"/orgs/{world.county_org.id}/admins"
    page = client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html
    assert "李明" in html and f'action="{url}/{org_admin.id}/remove"' in html
    frag = client.get(url, headers=HX)
    assert "<html" not in frag.get_data(as_text=True) and 'id="org-admins"' in frag.get_data(
        as_text=True
    )
    assert "HX-Request" in frag.headers["Vary"]


def picked(person) -> dict[str, str]:
    """What the browser sends when a person was taken from the picker's list."""
    return {"person": str(person.id), "person_q": person.name, "person_label": person.name}


def test_add_admin_picked_from_the_list_notifies_them(client, auth, world, org_admin, cadre):
    auth.login(org_admin)
    r = client.post(f"/orgs/{world.street_org.id}/admins", data=picked(cadre))
    assert r.status_code == 303
    assert _admin_rows(world.street_org) == {cadre.id}
    note = db.session.scalar(select(Notification).where(Notification.person_id == cadre.id))
    assert "中城街道团工委" in note.message and note.link == f"/orgs/{world.street_org.id}"


@pytest.mark.parametrize("typed", ["张彤", "zhangt", "  ZhangTong@Example.org "])
def test_add_admin_typed_without_javascript(client, auth, world, org_admin, cadre, typed):
    """No list without JavaScript: the name, its pinyin or the e-mail typed are enough."""
    auth.login(org_admin)
    r = client.post(f"/orgs/{world.street_org.id}/admins", data={"person_q": typed})
    assert r.status_code == 303
    assert _admin_rows(world.street_org) == {cadre.id}


def test_add_admin_with_htmx_returns_the_list(client, auth, world, org_admin, cadre):
    auth.login(org_admin)
    r = client.post(f"/orgs/{world.street_org.id}/admins", data=picked(cadre), headers=HX)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "<html" not in html
    assert "已将 张彤 设为管理员" in html and "张彤" in html


def test_bad_admin_input(client, auth, world, org_admin, cadre):
    make_person(name="张彤", email="other@example.org")  # a namesake: typing the name is unclear
    gone = make_person(name="离职者", email="gone@example.org", is_active_account=False)
    auth.login(org_admin)
    url = f"/orgs/{world.county_org.id}/admins"
    cases = [
        ({"person_q": ""}, "请选择要设为管理员的人"),
        ({"person_q": "nobody@example.org"}, "找不到“nobody@example.org”"),
        ({"person_q": "张彤"}, "有多个匹配，请从下面的列表中选择一个"),
        (picked(org_admin), "李明 已经是该组织的管理员"),
        ({"person_q": "离职者"}, "找不到“离职者”"),
        ({"person_q": "x" * 300}, "找不到"),
    ]
    for data, message in cases:
        for headers in ({}, HX):
            r = client.post(url, data=data, headers=headers)
            assert r.status_code == 422, data
            assert message in r.get_data(as_text=True)
    # An id that names nobody (or a deactivated account) is the same as a vanished choice.
    for data in ({"person": "999999"}, picked(gone)):
        r = client.post(url, data=data)
        assert r.status_code == 422 and "所选项目已不存在" in r.get_data(as_text=True)
    assert _admin_rows(world.county_org) == {org_admin.id}
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0


def test_last_admin_cannot_remove_themself(client, auth, world, org_admin):
    auth.login(org_admin)
    r = client.post(f"/orgs/{world.county_org.id}/admins/{org_admin.id}/remove", headers=HX)
    assert r.status_code == 422
    assert "你是该组织唯一的管理员，不能移除自己" in r.get_data(as_text=True)
    assert _admin_rows(world.county_org) == {org_admin.id}


def test_admin_may_remove_themself_when_another_remains(client, auth, world, org_admin, cadre):
    auth.login(org_admin)
    client.post(f"/orgs/{world.county_org.id}/admins", data=picked(cadre))
    r = client.post(f"/orgs/{world.county_org.id}/admins/{org_admin.id}/remove")
    # No longer an admin: sent to the organisation page rather than the admin page.
    assert r.status_code == 303 and r.headers["Location"].endswith(f"/orgs/{world.county_org.id}")
    assert _admin_rows(world.county_org) == {cadre.id}


def test_ancestor_admin_counts_as_remaining_admin(client, auth, world, org_admin, cadre):
    auth.login(org_admin)
    client.post(f"/orgs/{world.street_org.id}/admins", data=picked(org_admin))
    # 李明 also administers the street through the county: removing the direct row is fine.
    r = client.post(f"/orgs/{world.street_org.id}/admins/{org_admin.id}/remove")
    assert r.status_code == 303 and r.headers["Location"].endswith(
        f"/orgs/{world.street_org.id}/admins"
    )
    assert _admin_rows(world.street_org) == set()


def test_system_admin_may_remove_the_last_admin(client, auth, world, org_admin, admin):
    auth.login(admin)
    r = client.post(f"/orgs/{world.county_org.id}/admins/{org_admin.id}/remove", headers=HX)
    assert r.status_code == 200 and "已移除管理员" in r.get_data(as_text=True)
    assert _admin_rows(world.county_org) == set()


def test_remove_someone_who_is_not_admin_is_404(client, auth, world, org_admin, cadre):
    auth.login(org_admin)
    r = client.post(f"/orgs/{world.county_org.id}/admins/{cadre.id}/remove")
    assert r.status_code == 404
    assert "此人不是该组织的管理员" in r.get_data(as_text=True)


def test_new_admin_gains_management(client, auth, world, admin):
    newcomer = make_person(name="新管理员", email="newadmin@example.org")
    auth.login(admin)
    client.post(f"/orgs/{world.chengdu_org.id}/admins", data=picked(newcomer))
    auth.logout()
    auth.login(newcomer)
    assert client.get(f"/orgs/{world.chengdu_org.id}/edit").status_code == 200
    assert client.get(f"/orgs/{world.city_org.id}/edit").status_code == 403
