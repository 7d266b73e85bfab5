"""Joining, requests, invitations, bans, roles and hand-over, through the web as each persona."""

from __future__ import annotations

from sqlalchemy import func, select

from directory.extensions import db
from directory.groups.models import (
    GroupBan,
    GroupMember,
    GroupVisibility,
    JoinPolicy,
    JoinRequest,
    MemberRole,
    ModerationLog,
    RequestStatus,
)
from directory.notifications.models import Notification
from tests.groups.conftest import make_group

HX = {"HX-Request": "true"}


def _members(group) -> set[int]:  # type: ignore[no-untyped-def]
    return set(
        db.session.scalars(select(GroupMember.person_id).where(GroupMember.group_id == group.id))
    )


def _log(group) -> list[str]:  # type: ignore[no-untyped-def]
    return list(
        db.session.scalars(
            select(ModerationLog.action)
            .where(ModerationLog.group_id == group.id)
            .order_by(ModerationLog.id)
        )
    )


def test_join_open_group_without_js(client, auth, owner, cadre) -> None:  # type: ignore[no-untyped-def]
    group = make_group(owner, "开放群")
    auth.login(cadre)
    response = client.post(f"/groups/{group.id}/join")
    assert response.status_code == 303
    assert cadre.id in _members(group)
    db.session.refresh(group)
    assert group.member_count == 2
    assert client.post(f"/groups/{group.id}/join").status_code == 409


def test_join_in_place_with_htmx(client, auth, owner, cadre) -> None:  # type: ignore[no-untyped-def]
    group = make_group(owner, "开放群")
    auth.login(cadre)
    response = client.post(f"/groups/{group.id}/join", headers=HX)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="membership"')
    assert "退出群组" in body and "<html" not in body
    assert "HX-Request" in response.headers["Vary"]


def test_cannot_join_request_or_invite_group_directly(client, auth, owner, cadre) -> None:  # type: ignore[no-untyped-def]
    by_request = make_group(owner, "申请群", JoinPolicy.REQUEST)
    invite_only = make_group(owner, "邀请群", JoinPolicy.INVITE)
    auth.login(cadre)
    assert client.post(f"/groups/{by_request.id}/join").status_code == 403
    assert client.post(f"/groups/{invite_only.id}/join").status_code == 403
    assert client.post(f"/groups/{invite_only.id}/request").status_code == 403
    assert _members(by_request) == {owner.id} and _members(invite_only) == {owner.id}


def test_request_approve_flow_keeps_history_and_notifies(client, auth, owner, cadre) -> None:  # type: ignore[no-untyped-def]
    group = make_group(owner, "申请群", JoinPolicy.REQUEST)
    auth.login(cadre)
    response = client.post(
        f"/groups/{group.id}/request", data={"message": "我是顺庆的"}, headers=HX
    )
    assert response.status_code == 200
    assert "等待管理员处理" in response.get_data(as_text=True)
    assert client.post(f"/groups/{group.id}/request").status_code == 409
    note = db.session.scalar(select(Notification).where(Notification.person_id == owner.id))
    assert note is not None and note.kind == "group_join_request" and "张彤" in note.message

    # Not a moderator: cannot see or decide requests.
    req = db.session.scalar(select(JoinRequest).where(JoinRequest.group_id == group.id))
    assert client.get(f"/groups/{group.id}/requests").status_code == 403
    assert (
        client.post(
            f"/groups/{group.id}/requests/{req.id}", data={"decision": "approve"}
        ).status_code
        == 403
    )

    auth.logout()
    auth.login(owner)
    page = client.get(f"/groups/{group.id}/requests")
    assert page.status_code == 200 and "我是顺庆的" in page.get_data(as_text=True)
    response = client.post(
        f"/groups/{group.id}/requests/{req.id}", data={"decision": "approve"}, headers=HX
    )
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith(f'<li id="request-{req.id}"') and "已同意" in fragment
    assert cadre.id in _members(group)
    # Deciding twice is a conflict, and nothing changes.
    again = client.post(f"/groups/{group.id}/requests/{req.id}", data={"decision": "decline"})
    assert again.status_code == 409
    db.session.refresh(req)
    assert req.status == RequestStatus.APPROVED and req.decided_by_id == owner.id
    decision = db.session.scalar(
        select(Notification).where(
            Notification.person_id == cadre.id, Notification.kind == "group_decision"
        )
    )
    assert decision is not None and "已通过" in decision.message
    assert _log(group) == ["create", "approve"]


def test_decline_and_withdraw(client, auth, owner, cadre, outsider) -> None:  # type: ignore[no-untyped-def]
    group = make_group(owner, "申请群", JoinPolicy.REQUEST)
    auth.login(cadre)
    client.post(f"/groups/{group.id}/request")
    assert client.post(f"/groups/{group.id}/withdraw").status_code == 303
    assert client.post(f"/groups/{group.id}/withdraw").status_code == 409
    auth.logout()
    auth.login(outsider)
    client.post(f"/groups/{group.id}/request")
    req = db.session.scalar(
        select(JoinRequest).where(
            JoinRequest.person_id == outsider.id, JoinRequest.group_id == group.id
        )
    )
    auth.logout()
    auth.login(owner)
    assert (
        client.post(
            f"/groups/{group.id}/requests/{req.id}", data={"decision": "decline"}
        ).status_code
        == 303
    )
    assert (
        client.post(f"/groups/{group.id}/requests/{req.id}", data={"decision": "maybe"}).status_code
        == 422
    )
    statuses = dict(
        db.session.execute(
            select(JoinRequest.person_id, JoinRequest.status).where(
                JoinRequest.group_id == group.id
            )
        ).all()
    )
    assert statuses == {cadre.id: RequestStatus.WITHDRAWN, outsider.id: RequestStatus.DECLINED}
    assert _members(group) == {owner.id}
    history = client.get(f"/groups/{group.id}/requests").get_data(as_text=True)
    assert "已撤回" in history and "已拒绝" in history


def test_invitation_to_hidden_group(client, auth, owner, cadre) -> None:  # type: ignore[no-untyped-def]
    group = make_group(owner, "秘密群", JoinPolicy.INVITE, GroupVisibility.HIDDEN)
    auth.login(cadre)
    assert client.get(f"/groups/{group.id}").status_code == 404
    auth.logout()
    auth.login(owner)
    response = client.post(f"/groups/{group.id}/invite", data={"person": cadre.email})
    assert response.status_code == 303
    assert (
        client.post(f"/groups/{group.id}/invite", data={"person": cadre.email}).status_code == 409
    )
    bad = client.post(f"/groups/{group.id}/invite", data={"person": "nobody@example.org"})
    assert bad.status_code == 404 and "找不到此人" in bad.get_data(as_text=True)
    assert client.post(f"/groups/{group.id}/invite", data={"person": ""}).status_code == 422
    auth.logout()
    auth.login(cadre)
    note = db.session.scalar(select(Notification).where(Notification.person_id == cadre.id))
    assert note is not None and note.kind == "group_invitation"
    page = client.get(f"/groups/{group.id}")
    assert page.status_code == 200 and "接受邀请" in page.get_data(as_text=True)
    assert (
        client.post(f"/groups/{group.id}/invitation", data={"answer": "accept"}).status_code == 303
    )
    assert cadre.id in _members(group)
    assert _log(group) == ["create", "invite"]


def test_declined_invitation_to_hidden_group_disappears(client, auth, owner, cadre) -> None:  # type: ignore[no-untyped-def]
    group = make_group(owner, "秘密群", JoinPolicy.INVITE, GroupVisibility.HIDDEN)
    auth.login(owner)
    client.post(f"/groups/{group.id}/invite", data={"person": str(cadre.id)})
    auth.logout()
    auth.login(cadre)
    response = client.post(f"/groups/{group.id}/invitation", data={"answer": "decline"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/groups/")
    assert client.get(f"/groups/{group.id}").status_code == 404
    assert cadre.id not in _members(group)


def test_remove_and_ban(client, auth, owner, cadre, member) -> None:  # type: ignore[no-untyped-def]
    group = make_group(owner, "开放群", members=(cadre, member))
    auth.login(member)
    assert client.post(f"/groups/{group.id}/members/{cadre.id}/remove").status_code == 403
    auth.logout()
    auth.login(owner)
    assert client.post(f"/groups/{group.id}/members/{owner.id}/remove").status_code == 403
    response = client.post(
        f"/groups/{group.id}/members/{cadre.id}/remove", data={"ban": "y", "reason": "广告"}
    )
    assert response.status_code == 303
    assert cadre.id not in _members(group)
    assert db.session.scalar(select(func.count()).select_from(GroupBan)) == 1
    client.post(f"/groups/{group.id}/members/{member.id}/remove")
    assert _members(group) == {owner.id}
    db.session.refresh(group)
    assert group.member_count == 1
    auth.logout()
    auth.login(cadre)
    assert client.post(f"/groups/{group.id}/join").status_code == 403
    auth.logout()
    auth.login(member)
    assert client.post(f"/groups/{group.id}/join").status_code == 303
    auth.logout()
    auth.login(owner)
    assert client.post(f"/groups/{group.id}/bans/{cadre.id}/lift").status_code == 303
    assert client.post(f"/groups/{group.id}/bans/{cadre.id}/lift").status_code == 404
    assert _log(group) == ["create", "ban", "remove", "unban"]


def test_roles_and_hand_over(client, auth, owner, cadre, member) -> None:  # type: ignore[no-untyped-def]
    group = make_group(owner, "开放群", members=(cadre, member))
    auth.login(cadre)
    assert (
        client.post(
            f"/groups/{group.id}/members/{member.id}/role", data={"role": "moderator"}
        ).status_code
        == 403
    )
    auth.logout()
    auth.login(owner)
    assert (
        client.post(
            f"/groups/{group.id}/members/{cadre.id}/role", data={"role": "boss"}
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/groups/{group.id}/members/{cadre.id}/role", data={"role": "moderator"}
        ).status_code
        == 303
    )
    auth.logout()
    # A moderator moderates but cannot remove another moderator or hand the group over.
    auth.login(cadre)
    assert client.get(f"/groups/{group.id}/log").status_code == 200
    assert client.post(f"/groups/{group.id}/members/{member.id}/hand-over").status_code == 403
    auth.logout()
    auth.login(owner)
    assert client.post(f"/groups/{group.id}/members/{member.id}/hand-over").status_code == 303
    roles = dict(
        db.session.execute(
            select(GroupMember.person_id, GroupMember.role).where(GroupMember.group_id == group.id)
        ).all()
    )
    assert roles == {
        owner.id: MemberRole.MODERATOR,
        cadre.id: MemberRole.MODERATOR,
        member.id: MemberRole.OWNER,
    }
    assert _log(group) == ["create", "appoint", "hand_over"]


def test_owner_cannot_leave_member_can(client, auth, owner, member) -> None:  # type: ignore[no-untyped-def]
    group = make_group(owner, "开放群", members=(member,))
    auth.login(owner)
    response = client.post(f"/groups/{group.id}/leave")
    assert response.status_code == 422 and "移交" in response.get_data(as_text=True)
    auth.logout()
    auth.login(member)
    assert client.post(f"/groups/{group.id}/leave").status_code == 303
    assert _members(group) == {owner.id}


def test_join_rate_limited_per_user(limited, client, auth, owner, cadre) -> None:  # type: ignore[no-untyped-def]
    groups = [make_group(owner, f"群{i}") for i in range(3)]
    auth.login(cadre)
    assert client.post(f"/groups/{groups[0].id}/join").status_code == 303
    assert client.post(f"/groups/{groups[1].id}/join").status_code == 303
    response = client.post(f"/groups/{groups[2].id}/join")
    assert response.status_code == 429
    assert "操作过于频繁" in response.get_data(as_text=True)
    assert cadre.id not in _members(groups[2])
