"""API: notices the caller received and those whose coverage they follow; one notice
(opening it marks it read, as on the page); replying (scope `notices`); coverage.

Each operation takes the notice page's own decisions: `services.recipient_row` (a
recipient) and `permissions.coverage_root` / `can_view_coverage` (an admin of the sending
organisation or of a part of its subtree); anything else is 404, as on the page.
"""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from directory.api import respond
from directory.api.auth import require_scope
from directory.api.desk_schemas import (
    CoverageOut,
    CoverageQuery,
    NoticeDetail,
    ReceivedList,
    ReplyBody,
    SentList,
)
from directory.api.schemas import PageQuery
from directory.api.spec import responses, spec
from directory.api.views import bp
from directory.core.errors import NotFound, PermissionDenied
from directory.extensions import db
from directory.notices import services
from directory.notices.models import Notice, NoticeRecipient
from directory.notices.permissions import can_view_coverage, coverage_root
from directory.orgs.models import Organisation
from directory.people.models import Person


def _me() -> Person:
    return current_user._get_current_object()


def _summary(n: Notice) -> dict[str, Any]:
    return {
        "id": n.id,
        "title": n.title,
        "organisation": respond.org_ref(n.org),
        "author": n.author.name if n.author else None,
        "created_at": respond.iso(n.created_at),
        "deadline": respond.iso(n.deadline),
        "reply_required": n.reply_required,
    }


@bp.route("/notices")
@spec.validate(query=PageQuery, resp=responses(ReceivedList), tags=["notices"])
def notices_received() -> Response:
    """The notices the caller received, newest first, with their read and reply marks."""
    page_no: int = request.context.query.page  # type: ignore[attr-defined]  # set by spectree
    page = services.inbox(_me(), page_no)
    return respond.ok(
        {
            "items": [
                {
                    **_summary(r.notice),
                    "read_at": respond.iso(r.read_at),
                    "replied_at": respond.iso(r.replied_at),
                }
                for r in page.items
            ],
            "next": respond.next_link(page.has_next, page_no),
        }
    )


@bp.route("/notices/sent")
@spec.validate(query=PageQuery, resp=responses(SentList), tags=["notices"])
def notices_sent() -> Response:
    """The notices whose coverage the caller follows (the notice list's admin part): sent
    from the organisations they administer, or from above and reaching them. Empty for
    cadres who administer nothing."""
    page_no: int = request.context.query.page  # type: ignore[attr-defined]  # set by spectree
    page = services.managed(_me(), page_no)
    return respond.ok(
        {
            "items": [
                {
                    **_summary(n),
                    "status": n.status.value,
                    "recipient_count": n.recipient_count,
                    "sent_at": respond.iso(n.sent_at),
                }
                for n in page.items
            ],
            "next": respond.next_link(page.has_next, page_no),
        }
    )


def _detail(n: Notice, mine: NoticeRecipient | None, root: Organisation | None) -> dict[str, Any]:
    return {
        **_summary(n),
        "status": n.status.value,
        "body": n.body,
        "body_html": n.body_html,
        "attachments": [
            {"id": a.id, "filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in n.attachments
        ],
        "mine": None
        if mine is None
        else {
            "read_at": respond.iso(mine.read_at),
            "replied_at": respond.iso(mine.replied_at),
            "reply": mine.reply,
        },
        "coverage_visible": root is not None,
    }


@bp.route("/notices/<id:notice_id>")
@spec.validate(resp=responses(NoticeDetail, 404), tags=["notices"])
def notice(notice_id: int) -> Response:
    """One notice, for its recipients and for who sees its coverage. Opening it as a
    recipient marks it read, as opening the notice page does (the `read` scope suffices:
    it is the act of reading)."""
    me = _me()
    n = services.get_notice(notice_id)
    mine = services.recipient_row(n.id, me.id)
    root = coverage_root(me, n)
    if mine is None and root is None:
        raise NotFound(_("通知不存在。"))
    if mine is not None and mine.read_at is None:
        services.mark_read(n.id, me.id)
        db.session.refresh(mine)
    return respond.ok(_detail(n, mine, root))


@bp.route("/notices/<id:notice_id>/reply", methods=["POST"])
@spec.validate(json=ReplyBody, resp=responses(NoticeDetail, 403, 404, 422), tags=["notices"])
def notice_reply(notice_id: int) -> Response:
    """Reply to a notice one received (a later reply replaces it; replying also marks it
    read). Needs the `notices` scope on a token."""
    require_scope("notices")
    body: ReplyBody = request.context.json  # type: ignore[attr-defined]  # set by spectree
    me = _me()
    n = services.get_notice(notice_id)
    root = coverage_root(me, n)
    if services.recipient_row(n.id, me.id) is None:
        if root is None:
            raise NotFound(_("通知不存在。"))
        raise PermissionDenied(_("这条通知不是发给你的。"))
    services.reply(n, me, body.reply)
    db.session.expire_all()
    return respond.ok(_detail(n, services.recipient_row(n.id, me.id), root))


def _coverage_org(n: Notice, me: Person, org_id: int | None) -> Organisation:
    root = coverage_root(me, n)
    if root is None:
        raise NotFound(_("通知不存在。"))
    if org_id is None:
        return root
    org = db.session.get(Organisation, org_id)
    if org is None or not can_view_coverage(me, n, org):
        raise PermissionDenied(_("你不能查看这一部分的阅读情况。"))
    return org


def _counts(row: services.CoverageRow) -> dict[str, int]:
    return {
        "total": row.total,
        "read": row.read,
        "replied": row.replied,
        "unread": row.unread,
        "read_pct": row.read_pct,
    }


def _recipient(r: NoticeRecipient) -> dict[str, Any]:
    return {
        "person_id": r.person_id,
        "name": r.person.name,
        "organisation": respond.org_ref(r.org) if r.org is not None else None,
    }


@bp.route("/notices/<id:notice_id>/coverage")
@spec.validate(query=CoverageQuery, resp=responses(CoverageOut, 403, 404), tags=["notices"])
def notice_coverage(notice_id: int) -> Response:
    """Read / unread / replied under the caller's part of the tree (or `org` inside it), by
    organisation directly below; a page of who has not read it; the latest replies."""
    query: CoverageQuery = request.context.query  # type: ignore[attr-defined]  # set by spectree
    me = _me()
    n = services.get_notice(notice_id)
    org = _coverage_org(n, me, query.org)
    cov = services.coverage(n, org)
    unread = services.unread_people(n, org, query.page, cov.total.unread)
    replies = services.replies(n, org) if n.reply_required else []
    _regions = respond.preload_regions(
        [r.org for r in cov.rows] + [r.org for r in [*unread.items, *replies]]
    )
    return respond.ok(
        {
            "notice_id": n.id,
            "status": n.status.value,
            "organisation": respond.org_ref(org),
            "total": _counts(cov.total),
            "own": _counts(cov.own),
            "rows": [
                {**_counts(r), "organisation": respond.org_ref(r.org)}
                for r in cov.rows
                if r.org is not None
            ],
            "unread": [_recipient(r) for r in unread.items],
            "next": respond.next_link(unread.has_next, query.page),
            "replies": [
                {**_recipient(r), "reply": r.reply, "replied_at": respond.iso(r.replied_at)}
                for r in replies
            ],
        }
    )
