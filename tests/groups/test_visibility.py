"""Hidden groups and members-only content do not leak: lists, counts, URLs, feeds, roster."""

from __future__ import annotations

from sqlalchemy import func, select

from directory.extensions import db
from directory.groups.models import Group
from directory.groups.permissions import readable_groups, readable_posts, visible_groups
from directory.groups.post_models import Post, Thread
from directory.people.permissions import ContactPolicy
from tests.conftest import without_csrf
from tests.groups.conftest import make_thread


def _visible_names(viewer) -> set[str]:  # type: ignore[no-untyped-def]
    return set(db.session.scalars(select(Group.name).where(visible_groups(viewer))))


def test_predicates_as_sql(fixture_groups, owner, member, outsider, admin) -> None:  # type: ignore[no-untyped-def]
    g = fixture_groups
    everyone = {g.public.name, g.members_only.name, g.hidden.name, g.by_request.name}
    assert _visible_names(member) == everyone
    assert _visible_names(admin) == everyone
    assert _visible_names(outsider) == everyone - {g.hidden.name}
    assert _visible_names(None) == set()
    readable = set(db.session.scalars(select(Group.name).where(readable_groups(outsider))))
    assert readable == {g.public.name, g.by_request.name}
    for name in ("公开", "内部", "秘密"):
        group = next(x for x in (g.public, g.members_only, g.hidden) if x.name.startswith(name))
        make_thread(member, group, f"{name}话题", f"{name}内容")
    count = db.session.scalar(
        select(func.count()).select_from(Post).join(Thread).where(readable_posts(outsider))
    )
    assert count == 1
    count = db.session.scalar(
        select(func.count()).select_from(Post).join(Thread).where(readable_posts(member))
    )
    assert count == 3


def test_list_and_count_hide_hidden_group(client, auth, fixture_groups, outsider) -> None:  # type: ignore[no-untyped-def]
    auth.login(outsider)
    page = client.get("/groups/").get_data(as_text=True)
    assert "秘密筹备群" not in page
    assert "公开交流群" in page and "内部工作群" in page
    assert "共 3 个群组" in page
    search = client.get("/groups/?q=秘密").get_data(as_text=True)
    assert "秘密筹备群" not in search and "共 0 个群组" in search


def test_hidden_group_urls_answer_404(client, auth, fixture_groups, outsider, member) -> None:  # type: ignore[no-untyped-def]
    hidden = fixture_groups.hidden
    thread = make_thread(member, hidden, "绝密话题", "绝密内容")
    post_id = db.session.scalar(select(Post.id).where(Post.thread_id == thread.id))
    auth.login(outsider)
    for url in (
        f"/groups/{hidden.id}",
        f"/groups/{hidden.id}/members",
        f"/groups/{hidden.id}/threads/new",
        f"/groups/threads/{thread.id}",
        f"/groups/posts/{post_id}/edit",
        f"/groups/posts/{post_id}/report",
        f"/groups/{hidden.id}/requests",
        f"/groups/{hidden.id}/log",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "绝密" not in response.get_data(as_text=True)
    for url in (
        f"/groups/{hidden.id}/join",
        f"/groups/{hidden.id}/request",
        f"/groups/threads/{thread.id}/reply",
        f"/groups/posts/{post_id}/delete",
    ):
        assert client.post(url, data={"body": "x"}).status_code == 404, url
    # A group id that does not exist answers exactly the same.
    missing = client.get("/groups/99999")
    assert missing.status_code == 404
    hidden_page = without_csrf(client.get(f"/groups/{hidden.id}").get_data(as_text=True))
    assert without_csrf(missing.get_data(as_text=True)).replace("99999", str(hidden.id)) == (
        hidden_page
    )


def test_members_only_group_shows_only_its_description(
    client, auth, fixture_groups, outsider, member
) -> None:  # type: ignore[no-untyped-def]
    group = fixture_groups.members_only
    thread = make_thread(member, group, "内部话题标题", "内部内容")
    auth.login(outsider)
    page = client.get(f"/groups/{group.id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "内部工作群" in body and "申请加入" in body
    assert "内部话题标题" not in body and "周杰" not in body
    assert client.get(f"/groups/{group.id}/members").status_code == 403
    assert client.get(f"/groups/threads/{thread.id}").status_code == 404
    listing = client.get("/groups/").get_data(as_text=True)
    assert "个话题" not in listing.split("内部工作群")[1].split("</li>")[0]


def test_home_feed_shows_only_my_groups(client, auth, fixture_groups, member, cadre) -> None:  # type: ignore[no-untyped-def]
    make_thread(member, fixture_groups.hidden, "筹备进度", "内容")
    make_thread(member, fixture_groups.public, "公开通知", "内容")
    auth.login(member)
    home = client.get("/").get_data(as_text=True)
    assert "我的群组动态" in home and "筹备进度" in home and "公开通知" in home
    auth.logout()
    auth.login(cadre)
    home = client.get("/").get_data(as_text=True)
    assert "我的群组动态" in home
    assert "筹备进度" not in home and "公开通知" not in home


def test_shared_group_counts_for_contact_visibility(
    fixture_groups, member, owner, outsider
) -> None:  # type: ignore[no-untyped-def]
    member.phone = "+8613900139000"
    db.session.commit()
    assert ContactPolicy(owner, [member]).can_view(member, "phone")
    assert not ContactPolicy(outsider, [member]).can_view(member, "phone")


def test_roster_shows_contacts_per_privacy(
    client, auth, fixture_groups, member, owner, outsider
) -> None:  # type: ignore[no-untyped-def]
    member.phone = "+8613900139000"
    db.session.commit()
    auth.login(owner)
    page = client.get(f"/groups/{fixture_groups.public.id}/members").get_data(as_text=True)
    assert "+8613900139000" in page
    auth.logout()
    auth.login(outsider)
    page = client.get(f"/groups/{fixture_groups.public.id}/members").get_data(as_text=True)
    assert "周杰" in page and "+8613900139000" not in page
