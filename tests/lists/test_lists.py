"""Saved lists: kept by their owner only, only people in the owner's charge, notices to them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from directory.core.enums import OrgLevel
from directory.core.errors import NotFound, PermissionDenied, ValidationError
from directory.extensions import db
from directory.lists import services
from directory.lists.models import PersonList, PersonListMember
from directory.notices import services as notices
from directory.notices.delivery import deliver
from directory.notices.models import Notice, NoticeRecipient
from tests.notices.conftest import League


def _members(plist: PersonList) -> set[int]:
    return set(
        db.session.scalars(
            select(PersonListMember.person_id).where(PersonListMember.list_id == plist.id)
        )
    )


def _recipients(notice_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(NoticeRecipient.person_id).where(NoticeRecipient.notice_id == notice_id)
        )
    )


def _list(league: League, owner=None, *people, name: str = "重点联系人") -> PersonList:  # type: ignore[no-untyped-def]
    owner = owner or league.county_admin
    plist = services.create(owner, name)
    for person in people:
        services.add_person(owner, plist, person)
    db.session.expire_all()
    return db.session.get(PersonList, plist.id)


def test_create_add_remove_rename_delete(league):
    plist = _list(league, None, league.a, league.c)
    assert _members(plist) == {league.a.id, league.c.id} and plist.member_count == 2
    with pytest.raises(ValidationError, match="已在名单中"):
        services.add_person(league.county_admin, plist, league.a)
    assert services.remove_person(league.county_admin, plist, league.a.id)
    assert not services.remove_person(league.county_admin, plist, league.a.id)
    assert _members(plist) == {league.c.id} and plist.member_count == 1
    other = services.create(league.county_admin, "第二个")
    with pytest.raises(ValidationError, match="已有一个"):
        services.rename(league.county_admin, other, "重点联系人")
    services.rename(league.county_admin, other, "  团支部 书记 ")
    assert other.name == "团支部 书记"
    services.remove_list(league.county_admin, plist)
    assert db.session.get(PersonList, plist.id) is None
    assert not db.session.scalars(
        select(PersonListMember).where(PersonListMember.list_id == plist.id)
    ).all()


@pytest.mark.parametrize("name", ["", "   ", "名" * 101])
def test_names_are_checked(league, name):
    with pytest.raises(ValidationError):
        services.create(league.county_admin, name)


def test_only_people_in_the_owners_charge(league):
    # The street admin administers the street committee: its member and the branches' cadres
    # (by a confirmed post) are in their charge; the county admin above and Chengdu are not.
    plist = _list(league, league.street_admin, league.street_member, league.a)
    for person in (league.county_admin, league.outsider, league.claimant, league.former):
        with pytest.raises(ValidationError, match="不在你管理的团组织中"):
            services.add_person(league.street_admin, plist, person)
    assert _members(plist) == {league.street_member.id, league.a.id}


def test_lists_are_private_and_for_admins_only(league):
    plist = _list(league, None, league.a)
    with pytest.raises(NotFound):
        services.get_list(league.street_admin, plist.id)  # an admin, not the owner
    with pytest.raises(PermissionDenied):
        services.get_list(league.a, plist.id)  # not an admin at all
    with pytest.raises(PermissionDenied):
        services.create(league.a, "我的")
    with pytest.raises(NotFound):
        services.add_person(league.street_admin, plist, league.b)
    assert services.mine(league.street_admin) == []


def test_a_notice_to_a_list_reaches_its_members_only(league):
    plist = _list(league, None, league.a, league.c, league.street_member)
    notice = notices.send(
        league.county_admin, league.world.county_org, "名单通知", "内容", person_list=plist
    )
    assert _recipients(notice.id) == {league.a.id, league.c.id, league.street_member.id}
    assert notice.list_name == "重点联系人"
    # Intersected with the other narrowings ...
    by_level = notices.send(
        league.county_admin,
        league.world.county_org,
        "只发支部",
        "内容",
        person_list=plist,
        level=OrgLevel.BRANCH,
    )
    assert _recipients(by_level.id) == {league.a.id, league.c.id}
    # ... and with the sending organisation's subtree.
    branch_only = notices.send(
        league.county_admin, league.world.branch, "支部", "内容", person_list=plist
    )
    assert _recipients(branch_only.id) == {league.a.id, league.c.id}


def test_a_list_deleted_before_delivery_reaches_nobody(league):
    plist = _list(league, None, league.a)
    notice = notices.compose(
        league.county_admin, league.world.county_org, "通知", "内容", person_list=plist
    )
    services.remove_list(league.county_admin, plist)
    assert deliver(notice.id) == 0
    assert _recipients(notice.id) == set()


def test_someone_elses_list_cannot_be_sent_to(league):
    plist = _list(league, league.street_admin, league.a)
    with pytest.raises(ValidationError, match="你自己的名单"):
        notices.compose(
            league.county_admin, league.world.county_org, "通知", "内容", person_list=plist
        )


# --- pages ------------------------------------------------------------------------------


def test_pages_for_the_owner(league, auth, client):
    auth.login(league.county_admin)
    r = client.get("/lists/")
    assert r.status_code == 200 and "还没有名单" in r.text
    assert r.headers["Vary"] == "HX-Request" or "HX-Request" in r.headers["Vary"]
    r = client.post("/lists/", data={"name": ""})
    assert r.status_code == 422 and "请填写名单名称" in r.text
    r = client.post("/lists/", data={"name": "调研对象"}, headers={"HX-Request": "true"})
    assert r.status_code == 204 and r.headers["HX-Redirect"].startswith("/lists/")
    plist = db.session.scalar(select(PersonList).where(PersonList.name == "调研对象"))
    url = f"/lists/{plist.id}"
    page = client.get(url)
    assert page.status_code == 200 and "名单还是空的" in page.text
    fragment = client.get(url, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    # The picker's id, and typed text without JavaScript.
    assert client.post(f"{url}/members", data={"person": str(league.a.id)}).status_code == 303
    assert client.post(f"{url}/members", data={"person_q": "吴敏"}).status_code == 303
    assert _members(plist) == {league.a.id, league.b.id}
    r = client.post(f"{url}/members", data={"person": str(league.outsider.id)})
    assert r.status_code == 422 and "不在你管理的团组织中" in r.text
    r = client.post(f"{url}/members", data={"person_q": "赵丽"})
    assert r.status_code == 422  # the outsider is not offered
    r = client.post(f"{url}/members", data={"person": ""})
    assert r.status_code == 422 and "请选择要加入名单的人" in r.text
    options = client.get("/lists/options", query_string={"field": "person", "person_q": "赵"})
    assert "赵丽" not in options.text
    options = client.get("/lists/options", query_string={"q": "吴"})
    assert "吴敏" in options.text
    assert client.post(f"{url}/members/{league.b.id}/remove").status_code == 303
    assert client.post(f"{url}/members/{league.b.id}/remove").status_code == 404
    assert client.post(f"{url}/rename", data={"name": ""}).status_code == 422
    assert client.post(f"{url}/rename", data={"name": "新名字"}).status_code == 303
    assert "新名字" in client.get("/lists/").text
    # The notice form offers the list, preselected from the list's page.
    form = client.get(f"/notices/new?list={plist.id}")
    assert f'<option selected value="{plist.id}">' in form.text
    r = client.post(
        "/notices/new",
        data={
            "org": str(league.world.county_org.id),
            "title": "名单通知",
            "body": "内容",
            "person_list": str(plist.id),
        },
    )
    assert r.status_code == 303
    notice = db.session.scalar(select(Notice).where(Notice.title == "名单通知"))
    assert _recipients(notice.id) == {league.a.id}
    assert "只发给名单：新名字" in client.get(f"/notices/{notice.id}/coverage").text
    r = client.post(
        "/notices/new",
        data={
            "org": str(league.world.county_org.id),
            "title": "t",
            "body": "b",
            "person_list": "999999",
        },
    )
    assert r.status_code == 422 and "请选择你自己的名单" in r.text
    assert client.post(f"{url}/delete").status_code == 303
    assert client.get(url).status_code == 404
    assert "只发给名单：新名字" in client.get(f"/notices/{notice.id}/coverage").text


def test_pages_refuse_others(league, auth, client):
    plist = _list(league, None, league.a)
    url = f"/lists/{plist.id}"
    assert client.get(url).status_code == 302  # signed out: to the login page
    auth.login(league.street_admin)
    assert client.get(url).status_code == 404
    assert client.post(f"{url}/delete").status_code == 404
    assert client.post(f"{url}/members", data={"person": str(league.b.id)}).status_code == 404
    auth.logout()
    auth.login(league.a)
    assert client.get("/lists/").status_code == 403
    assert client.get(url).status_code == 403
    assert client.get("/lists/options?q=a").status_code == 403
    assert db.session.get(PersonList, plist.id) is not None


def test_save_a_search_as_a_list(league, auth, client):
    auth.login(league.street_admin)
    r = client.get("/lists/from-search", query_string={"q": "张彤"})
    assert r.status_code == 200 and 'value="搜索：张彤"' in r.text
    assert "搜索“张彤”共找到 1 人" in r.text
    assert client.get("/lists/from-search", query_string={"sector": "nope"}).status_code == 400
    r = client.post("/lists/from-search", data={"name": "", "q": "张彤"})
    assert r.status_code == 422
    # Everyone the search finds, less those outside the admin's charge (the county admin).
    r = client.post("/lists/from-search", data={"name": "全部", "org": ""})
    assert r.status_code == 303
    plist = db.session.scalar(select(PersonList).where(PersonList.name == "全部"))
    members = _members(plist)
    assert {league.a.id, league.b.id, league.c.id, league.street_member.id} <= members
    assert not members & {league.county_admin.id, league.outsider.id}
    follow = client.get(r.headers["Location"])
    assert "不在你管理的团组织中" in follow.text  # the flash says some were left out


def test_pages_in_english(league, auth, client):
    plist = _list(league, None, league.a)
    auth.login(league.county_admin)
    client.get("/?lang=en")
    index = client.get("/lists/?lang=en").text
    assert "My lists" in index and "New list" in index
    page = client.get(f"/lists/{plist.id}?lang=en").text
    assert "Send a notice to this list" in page and "Delete the list" in page
    assert "Person to add" in page and "Take 张彤 off the list" in page
    for chinese in ("名单", "移出", "：", "（"):
        assert chinese not in page.split("<main", 1)[1].split("</main>", 1)[0]
