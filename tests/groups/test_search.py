"""Search of posts: readers find what they may read, and nothing else leaks (content, counts)."""

from __future__ import annotations

from sqlalchemy import select

from directory.extensions import db
from directory.groups.models import GroupVisibility, JoinPolicy
from directory.groups.post_models import Post
from tests.groups.conftest import make_group, make_thread

JSON = {"Accept": "application/json"}


def _search(client, q: str, **args):  # type: ignore[no-untyped-def]
    return client.get("/groups/search", query_string={"q": q, **args}, headers=JSON).get_json()


def test_member_finds_post_outsider_does_not(client, auth, owner, member, outsider) -> None:  # type: ignore[no-untyped-def]
    secret = make_group(owner, "内部群", JoinPolicy.REQUEST, GroupVisibility.MEMBERS, (member,))
    hidden = make_group(owner, "隐藏群", JoinPolicy.INVITE, GroupVisibility.HIDDEN, (member,))
    public = make_group(owner, "公开群", members=(member,))
    make_thread(member, secret, "防汛值班安排", "请各社区落实防汛值班表")
    make_thread(member, hidden, "防汛物资清单", "防汛沙袋已到位")
    make_thread(member, public, "防汛志愿者招募", "欢迎青年志愿者报名防汛")
    auth.login(member)
    found = _search(client, "防汛")
    assert found["total"] == 3
    assert {r["title"] for r in found["results"]} == {
        "防汛值班安排",
        "防汛物资清单",
        "防汛志愿者招募",
    }
    auth.logout()
    auth.login(outsider)
    found = _search(client, "防汛")
    assert found["total"] == 1
    assert [r["title"] for r in found["results"]] == ["防汛志愿者招募"]
    page = client.get("/groups/search?q=防汛").get_data(as_text=True)
    for leak in ("值班", "物资", "内部群", "隐藏群", "沙袋"):
        assert leak not in page, leak
    assert "找到 1 条回帖" in page
    assert _search(client, "沙袋")["total"] == 0


def test_segmentation_and_author(client, auth, owner, member) -> None:  # type: ignore[no-untyped-def]
    group = make_group(owner, "公开群", members=(member,))
    make_thread(member, group, "季度例会", "关于开展青年志愿服务活动的通知")
    auth.login(owner)
    assert _search(client, "志愿")["total"] == 1
    assert _search(client, "例会")["total"] == 1
    assert _search(client, "周杰")["total"] == 1
    assert _search(client, "不存在的词")["total"] == 0


def _deleted_and_hidden(client, auth, owner, member, check) -> None:  # type: ignore[no-untyped-def]
    group = make_group(owner, "公开群", members=(member,))
    thread = make_thread(owner, group, "通知", "开场")
    auth.login(member)
    client.post(f"/groups/threads/{thread.id}/reply", data={"body": "错别字太多的回帖"})
    post = db.session.scalar(select(Post).order_by(Post.id.desc()))
    check(_search(client, "错别字"), 1)
    client.post(f"/groups/posts/{post.id}/delete")
    check(_search(client, "错别字"), 0)
    auth.logout()
    auth.login(owner)
    client.post(f"/groups/posts/{post.id}/moderate", data={"action": "restore"})
    check(_search(client, "错别字"), 1)
    client.post(f"/groups/posts/{post.id}/moderate", data={"action": "hide"})
    check(_search(client, "错别字"), 0)


def test_deleted_and_hidden_posts_are_not_shown(client, auth, owner, member) -> None:  # type: ignore[no-untyped-def]
    def check(found, n) -> None:  # type: ignore[no-untyped-def]
        assert len(found["results"]) == n

    _deleted_and_hidden(client, auth, owner, member, check)


def test_deleted_and_hidden_posts_are_not_counted(client, auth, owner, member) -> None:  # type: ignore[no-untyped-def]
    def check(found, n) -> None:  # type: ignore[no-untyped-def]
        assert found["total"] == n

    _deleted_and_hidden(client, auth, owner, member, check)


def _group_hidden(client, auth, owner, outsider):  # type: ignore[no-untyped-def]
    group = make_group(owner, "公开群")
    make_thread(owner, group, "换届选举", "换届选举工作安排")
    auth.login(outsider)
    assert _search(client, "换届")["total"] == 1
    auth.logout()
    auth.login(owner)
    client.post(
        f"/groups/{group.id}/edit",
        data={"name": "公开群", "join_policy": "invite", "visibility": "hidden"},
    )
    auth.logout()
    auth.login(outsider)
    return group


def test_making_a_group_hidden_removes_its_posts_for_outsiders(
    client, auth, owner, outsider
) -> None:  # type: ignore[no-untyped-def]
    group = _group_hidden(client, auth, owner, outsider)
    assert _search(client, "换届")["results"] == []
    page = client.get("/groups/search?q=换届").get_data(as_text=True)
    assert "换届选举" not in page and "公开群" not in page
    assert client.get(f"/groups/search?q=换届&group={group.id}").status_code == 404


def test_making_a_group_hidden_removes_its_posts_from_counts(client, auth, owner, outsider) -> None:  # type: ignore[no-untyped-def]
    _group_hidden(client, auth, owner, outsider)
    assert _search(client, "换届")["total"] == 0


def test_a_freshly_opened_index_counts_only_readable_posts(
    app, client, auth, owner, outsider
) -> None:  # type: ignore[no-untyped-def]
    """After a visibility change, an index opened afresh (another worker) counts right."""
    from directory.search.backends import make_backend

    _group_hidden(client, auth, owner, outsider)
    app.extensions["search_backend"] = make_backend(app.config["SEARCH_BACKEND"], app.config)
    assert _search(client, "换届")["total"] == 0


def test_search_in_one_group_page_and_fragment(client, auth, owner, member) -> None:  # type: ignore[no-untyped-def]
    first = make_group(owner, "一群", members=(member,))
    second = make_group(owner, "二群", members=(member,))
    make_thread(member, first, "团课", "团课安排")
    make_thread(member, second, "团课", "团课资料")
    auth.login(member)
    assert _search(client, "团课")["total"] == 2
    assert _search(client, "团课", group=first.id)["total"] == 1
    page = client.get("/groups/search?q=团课")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html and "一群 (1)" in html and "二群 (1)" in html
    fragment = client.get("/groups/search?q=团课", headers={"HX-Request": "true"})
    assert "<html" not in fragment.get_data(as_text=True) and "团课资料" in fragment.get_data(
        as_text=True
    )
    assert "HX-Request" in fragment.headers["Vary"]
    empty = client.get("/groups/search?q=%20%2A%22").get_data(as_text=True)
    assert "请输入要查找的文字" in empty
