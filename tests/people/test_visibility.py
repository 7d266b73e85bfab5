"""Every visibility × every kind of viewer × every contact field, on the profile and the list."""

from __future__ import annotations

import pytest

from directory.core.enums import Visibility
from directory.extensions import db
from tests.people.conftest import WECHAT

# The values as stored, and the way they would leak if they appeared in the page.
VALUES = {"phone": "13800138000", "email": "zhangtong@example.org", "wechat": WECHAT}
NOTES = {
    Visibility.SHARED: "仅同组织或同群组的人可见",
    Visibility.ADMINS: "仅管理员可见",
}
# viewer fixture -> the visibilities under which that viewer may see the fields
SEES = {
    "target": set(Visibility),
    "admin": set(Visibility),
    "org_admin": set(Visibility),  # administers an ancestor of the membership organisation
    "branch_admin": set(Visibility),  # administers the membership organisation itself
    "colleague": {Visibility.SIGNED_IN, Visibility.SHARED},
    "former_colleague": {Visibility.SIGNED_IN, Visibility.SHARED},
    "outsider": {Visibility.SIGNED_IN},
}


def _set_visibility(person, visibility: Visibility) -> None:
    for field in VALUES:
        setattr(person, f"{field}_visibility", visibility)
    db.session.commit()


@pytest.mark.parametrize("visibility", list(Visibility))
@pytest.mark.parametrize("viewer_name", list(SEES))
def test_profile_contact_fields(request, client, auth, target, visibility, viewer_name):
    viewer = request.getfixturevalue(viewer_name)
    _set_visibility(target, visibility)
    auth.login(viewer)
    r = client.get(f"/people/{target.id}")
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    for field, value in VALUES.items():
        if visibility in SEES[viewer_name]:
            assert value in page, (field, viewer_name)
        else:
            assert value not in page, (field, viewer_name)
    if visibility not in SEES[viewer_name]:
        assert page.count(NOTES[visibility]) == 3
    else:
        assert "仅管理员可见" not in page
        assert "仅同组织或同群组的人可见" not in page


@pytest.mark.parametrize("visibility", list(Visibility))
@pytest.mark.parametrize("viewer_name", list(SEES))
def test_list_contact_fields(request, client, auth, target, visibility, viewer_name):
    viewer = request.getfixturevalue(viewer_name)
    _set_visibility(target, visibility)
    auth.login(viewer)
    r = client.get("/people/", query_string={"q": "张彤"})
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert f'href="/people/{target.id}"' in page
    for field, value in VALUES.items():
        assert (value in page) == (visibility in SEES[viewer_name]), (field, viewer_name)


@pytest.mark.parametrize("url", ["/people/", "/people/{id}", "/people/{id}/edit"])
def test_anonymous_is_sent_to_login(client, target, url):
    r = client.get(url.format(id=target.id))
    assert r.status_code == 302
    assert "/auth/login" in r.headers["Location"]


def test_empty_visible_field_says_not_filled(client, auth, cadre, outsider):
    cadre.wechat = None
    cadre.wechat_visibility = Visibility.SIGNED_IN
    cadre.phone_visibility = Visibility.ADMINS
    db.session.commit()
    auth.login(outsider)
    page = client.get(f"/people/{cadre.id}").get_data(as_text=True)
    assert "未填写" in page
    assert "仅管理员可见" in page
    assert "13800138000" not in page


def test_hidden_fields_absent_from_fragment_too(client, auth, target, outsider):
    _set_visibility(target, Visibility.ADMINS)
    auth.login(outsider)
    r = client.get(f"/people/{target.id}", headers={"HX-Request": "true"})
    body = r.get_data(as_text=True)
    assert "<html" not in body
    assert "HX-Request" in r.headers["Vary"]
    for value in VALUES.values():
        assert value not in body
