"""Moderating discussions: hide/restore posts, pin/lock threads, reports."""

from __future__ import annotations

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from directory.core import time as clock
from directory.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from directory.core.messages import _m
from directory.core.uow import transactional
from directory.extensions import db
from directory.groups.models import Group
from directory.groups.notify import dispatch, moderator_ids
from directory.groups.permissions import GroupAccess
from directory.groups.post_models import Post, PostReport, Thread
from directory.groups.posts import _is_opening
from directory.groups.services import log_action, require_moderator
from directory.people.models import Person


@transactional
def set_hidden(actor: Person, post: Post, access: GroupAccess, hidden: bool) -> None:
    """Hide a post from members, or restore a hidden or deleted one (moderators)."""
    require_moderator(access)
    if hidden:
        if post.hidden_at is not None:
            raise Conflict(_("该回帖已被隐藏。"))
        post.hidden_at, post.hidden_by_id = clock.now(), actor.id
    else:
        if not post.is_removed:
            raise Conflict(_("该回帖没有被删除或隐藏。"))
        post.hidden_at = post.hidden_by_id = None
        post.deleted_at = post.deleted_by_id = None
        thread = post.thread
        if thread.deleted_at is not None and _is_opening(post, thread):
            thread.deleted_at = None
    log_action(
        post.group_id, actor.id, "hide" if hidden else "restore", thread_id=post.thread_id,
        post_id=post.id,
    )  # fmt: skip


@transactional
def set_thread_flag(
    actor: Person, thread: Thread, access: GroupAccess, flag: str, value: bool
) -> None:
    """Pin/unpin or lock/unlock a thread (moderators)."""
    require_moderator(access)
    if flag not in ("pinned", "locked"):
        raise ValidationError(_("请求有误。"))
    setattr(thread, flag, value)
    action = {"pinned": ("pin", "unpin"), "locked": ("lock", "unlock")}[flag][0 if value else 1]
    log_action(thread.group_id, actor.id, action, thread_id=thread.id, detail=thread.title)


@transactional
def report_post(actor: Person, post: Post, group: Group, access: GroupAccess, reason: str) -> None:
    """Report a post to the group's moderators (members)."""
    if not access.is_member:
        raise PermissionDenied(_("只有群组成员可以举报。"))
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("请说明举报理由。"), field="reason")
    if len(reason) > 500:
        raise ValidationError(_("举报理由最多 500 个字。"), field="reason")
    db.session.add(
        PostReport(post_id=post.id, group_id=group.id, reporter_id=actor.id, reason=reason)
    )
    dispatch(
        set(moderator_ids(group)) - {actor.id},
        "group_report",
        _m("群组“%(group)s”有新的举报", group=group.name),
        url_for("groups.reports", group_id=group.id),
    )


def open_reports(group: Group) -> list[PostReport]:
    """Unhandled reports with post and reporter loaded."""
    return list(
        db.session.scalars(
            select(PostReport)
            .options(joinedload(PostReport.post), joinedload(PostReport.reporter))
            .where(PostReport.group_id == group.id, PostReport.handled_at.is_(None))
            .order_by(PostReport.id)
        )
    )


@transactional
def handle_report(
    actor: Person, group: Group, access: GroupAccess, report_id: int, hide: bool
) -> None:
    """Close a report, hiding the post or dismissing the report (moderators)."""
    require_moderator(access)
    report = db.session.get(PostReport, report_id)
    if report is None or report.group_id != group.id:
        raise NotFound(_("举报不存在。"))
    count = db.session.execute(
        update(PostReport)
        .where(PostReport.id == report_id, PostReport.handled_at.is_(None))
        .values(
            handled_at=clock.now(),
            handled_by_id=actor.id,
            outcome="hidden" if hide else "dismissed",
        )
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE/DELETE gives a CursorResult; Session.execute is typed Result
    if not count:
        raise Conflict(_("该举报已被处理。"))
    post = report.post
    if hide and post.hidden_at is None:
        post.hidden_at, post.hidden_by_id = clock.now(), actor.id
    log_action(
        group.id, actor.id, "report_hidden" if hide else "report_dismissed",
        thread_id=post.thread_id, post_id=post.id, detail=report.reason,
    )  # fmt: skip
