"""API: groups and discussions the caller may read (read-only); notifications."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from directory.api import respond
from directory.api.schemas import (
    GroupList,
    GroupOut,
    GroupQuery,
    NotificationList,
    PageQuery,
    ThreadDetail,
    ThreadList,
)
from directory.api.spec import responses, spec
from directory.api.views import bp
from directory.core.errors import NotFound
from directory.groups import reading
from directory.groups import services as groups
from directory.groups.models import Group
from directory.groups.post_models import Post, Thread
from directory.notifications import services as notifications

GROUPS_PER_PAGE = 50


def _group(g: Group) -> dict[str, Any]:
    return {
        "id": g.id,
        "name": g.name,
        "description": g.description,
        "join_policy": g.join_policy.value,
        "visibility": g.visibility.value,
        "member_count": g.member_count,
        "thread_count": g.thread_count,
        "organisation_id": g.organisation_id,
        "region": g.region.code if g.region else None,
        "last_activity_at": respond.iso(g.last_activity_at),
    }


def _thread(t: Thread) -> dict[str, Any]:
    return {
        "id": t.id,
        "group_id": t.group_id,
        "title": t.title,
        "author": t.author.name if t.author else None,
        "pinned": t.pinned,
        "locked": t.locked,
        "reply_count": t.reply_count,
        "created_at": respond.iso(t.created_at),
        "last_post_at": respond.iso(t.last_post_at),
    }


def _post(p: Post) -> dict[str, Any]:
    removed = p.deleted_at is not None or p.hidden_at is not None
    return {
        "id": p.id,
        "author": p.author.name if p.author else None,
        "body": "" if removed else p.body,
        "created_at": respond.iso(p.created_at),
        "edited_at": respond.iso(p.edited_at),
        "removed": removed,
    }


@bp.route("/groups")
@spec.validate(query=GroupQuery, resp=responses(GroupList, 400), tags=["groups"])
def group_list() -> Response:
    """The groups the caller may know of (as on the group list), theirs first."""
    page_no: int = request.context.query.page  # type: ignore[attr-defined]  # set by spectree
    mine: bool = request.context.query.mine  # type: ignore[attr-defined]  # set by spectree
    page = groups.list_groups(
        current_user,
        q=request.args.get("q", ""),
        mine=mine,
        page=page_no,
        per_page=GROUPS_PER_PAGE,
    )
    return respond.ok(
        {
            "items": [_group(g) for g in page.items],
            "next": respond.next_link(page.has_next, page_no),
        }
    )


@bp.route("/groups/<id:group_id>")
@spec.validate(resp=responses(GroupOut, 404), tags=["groups"])
def group(group_id: int) -> Response:
    """One group the caller may see."""
    g, _access = groups.get_visible(current_user, group_id)
    return respond.ok(_group(g))


@bp.route("/groups/<id:group_id>/threads")
@spec.validate(query=PageQuery, resp=responses(ThreadList, 400, 404), tags=["groups"])
def group_threads(group_id: int) -> Response:
    """A page of the group's threads, when the caller may read its discussions."""
    g, access = groups.get_visible(current_user, group_id)
    if not access.can_read:
        raise NotFound(_("群组不存在。"))
    page_no: int = request.context.query.page  # type: ignore[attr-defined]  # set by spectree
    page = reading.list_threads(g, page_no)
    return respond.ok(
        {
            "items": [_thread(t) for t in page.items],
            "next": respond.next_link(page.has_next, page_no),
        }
    )


@bp.route("/threads/<id:thread_id>")
@spec.validate(resp=responses(ThreadDetail, 404), tags=["groups"])
def thread(thread_id: int) -> Response:
    """A thread and its posts (removed ones without their text)."""
    t, _group, _access = reading.get_thread(current_user, thread_id)
    return respond.ok({**_thread(t), "posts": [_post(p) for p in reading.thread_posts(t)]})


@bp.route("/notifications")
@spec.validate(resp=responses(NotificationList), tags=["notifications"])
def notification_list() -> Response:
    """The caller's latest notifications (at most 50), newest first."""
    items = notifications.recent(current_user.id)
    return respond.ok(
        {
            "unread": notifications.unread_count(current_user.id),
            "items": [
                {
                    "id": n.id,
                    "kind": n.kind,
                    "message": n.text,
                    "link": n.link,
                    "created_at": respond.iso(n.created_at),
                    "read": n.read_at is not None,
                }
                for n in items
            ],
        }
    )
