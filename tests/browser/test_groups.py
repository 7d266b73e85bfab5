"""Groups in a real browser: by-request group, join request, approval, mention, live reply."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from directory.extensions import db
from directory.groups.models import Group, GroupMember, JoinPolicy
from directory.groups.post_models import Post


@pytest.fixture
def app_config(app_config: dict[str, object]) -> dict[str, object]:
    """The bell asks every second (20 s in production), so a test sees it change in time."""
    return {**app_config, "NOTIFICATIONS_POLL_SECONDS": 1}


def test_request_approve_mention_and_reply(login_as, cadre, org_admin, outsider) -> None:  # type: ignore[no-untyped-def]
    # 张彤 creates a by-request, members-only group.
    owner = login_as(cadre)
    owner.goto("/groups/")
    owner.click("text=创建群组")
    owner.fill("input[name=name]", "社区青年工作群")
    owner.fill("textarea[name=description]", "社区团支部书记交流工作")
    owner.select_option("select[name=join_policy]", label="申请加入")
    owner.select_option("select[name=visibility]", label="仅成员（非成员只能看到群组简介）")
    owner.click("#group-submit")
    owner.wait_for_url(re.compile(r"/groups/\d+$"))
    assert "群组已创建。" in owner.inner_text("#flashes")
    db.session.expire_all()
    group = db.session.scalar(select(Group).where(Group.name == "社区青年工作群"))
    assert group is not None and group.join_policy == JoinPolicy.REQUEST

    # 李明 asks to join: the membership box changes in place (no navigation).
    member = login_as(org_admin)
    member.goto(f"/groups/{group.id}")
    assert "只有成员可以查看" in member.inner_text("main")
    member.fill("#request-message", "我是区团委的李明")
    url_before = member.url
    member.click("#request-form button[type=submit]")
    member.wait_for_selector("text=你的加入申请正在等待管理员处理。")
    assert member.url == url_before

    # 张彤 sees the request notification and approves it in place.
    owner.goto("/notifications/")
    assert "李明 申请加入群组“社区青年工作群”" in owner.inner_text("main")
    owner.goto(f"/groups/{group.id}/requests")
    row = owner.locator(".request", has_text="李明")
    row.locator("button[value=approve]").click()
    owner.wait_for_selector(".request:has-text('李明') .tag:has-text('已同意')")
    db.session.expire_all()
    assert db.session.scalar(
        select(GroupMember.id).where(
            GroupMember.group_id == group.id, GroupMember.person_id == org_admin.id
        )
    )

    # 李明 keeps the group page open; the bell has no unread count yet.
    member.goto(f"/groups/{group.id}")
    member.wait_for_selector("text=发起话题")
    member.goto("/notifications/")
    member.click("text=全部标为已读")
    member.goto(f"/groups/{group.id}")
    assert member.locator("#bell .badge").count() == 0

    # 张彤 starts a thread mentioning 李明, picked from the autocomplete by pinyin.
    owner.goto(f"/groups/{group.id}/threads/new")
    owner.fill("input[name=title]", "下周例会")
    body = owner.locator("textarea[name=body]")
    body.click()
    body.type("请 @liming")
    owner.wait_for_selector(".mention-menu li:has-text('李明')")
    owner.keyboard.press("Enter")
    # The text says the name only; the id of the person picked travels in a hidden field.
    assert "@李明 " in body.input_value() and "#" not in body.input_value()
    hidden = owner.locator("#thread-form input[type=hidden][name=mention]")
    assert hidden.get_attribute("value") == str(org_admin.id)
    body.type("准备材料")
    owner.click("#thread-form button[type=submit]")
    owner.wait_for_url(re.compile(r"/groups/threads/\d+$"))
    assert owner.locator(f".post-body a[href='/people/{org_admin.id}']").inner_text() == "@李明"

    # The notification arrives in 李明's bell without a reload (the bell polls).
    member.wait_for_selector("#bell .badge")
    member.click("#bell")
    member.wait_for_url("**/notifications/")
    assert "张彤 在话题“下周例会”中提到了你" in member.inner_text("main")

    # 李明 replies; the reply appears without a reload and the form is emptied.
    member.click("text=张彤 在话题“下周例会”中提到了你")
    member.wait_for_url(re.compile(r"/groups/threads/\d+"))
    thread_url = member.url
    member.fill("#reply-form textarea[name=body]", "收到，我准备**汇报材料**")
    member.click("#reply-form button[type=submit]")
    member.wait_for_selector("#posts li:has-text('收到，我准备')")
    assert member.url == thread_url
    assert member.locator("#posts li strong", has_text="汇报材料").count() == 1
    assert member.locator("#reply-form textarea[name=body]").input_value() == ""
    db.session.expire_all()
    assert (
        db.session.scalar(select(Post.body).order_by(Post.id.desc())) == "收到，我准备**汇报材料**"
    )


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-js"])
def test_reply_and_inline_edit(login_as, cadre, javascript) -> None:  # type: ignore[no-untyped-def]
    me = login_as(cadre, java_script_enabled=javascript)
    me.goto("/groups/new")
    me.fill("input[name=name]", "开放交流群")
    me.click("#group-submit")
    me.wait_for_url(re.compile(r"/groups/\d+$"))
    me.click("text=发起话题")
    me.fill("input[name=title]", "第一个话题")
    me.fill("textarea[name=body]", "开场白")
    me.click("#thread-form button[type=submit]")
    me.wait_for_url(re.compile(r"/groups/threads/\d+$"))
    me.fill("#reply-form textarea[name=body]", "")
    me.click("#reply-form button[type=submit]")
    me.wait_for_selector("#reply-form .error:has-text('内容不能为空')")
    me.fill("#reply-form textarea[name=body]", "第一条回复")
    me.click("#reply-form button[type=submit]")
    me.wait_for_selector("#posts li:has-text('第一条回复')")
    reply = me.locator("#posts li", has_text="第一条回复")
    reply.locator("text=编辑").click()
    me.wait_for_selector("li.editing textarea[name=body]")
    me.fill("li.editing textarea[name=body]", "改过的回复")
    me.click("li.editing button[type=submit]")
    me.wait_for_selector("#posts li:has-text('改过的回复') .tag:has-text('已编辑')")
