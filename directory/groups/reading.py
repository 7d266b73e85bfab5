"""Reading discussions: one thread or post for a viewer, thread lists, the home feed."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from directory.core.errors import NotFound
from directory.core.pagination import ListPage
from directory.extensions import db
from directory.groups.models import (
    Group,
    GroupMember,
    JoinRequest,
    MemberRole,
    RequestKind,
    RequestStatus,
)
from directory.groups.permissions import GroupAccess
from directory.groups.post_models import Post, PostReport, PostRevision, Thread
from directory.groups.services import get_visible
from directory.people.models import Person

THREADS_PER_PAGE = 30


def get_thread(viewer: Person, thread_id: int) -> tuple[Thread, Group, GroupAccess]:
    """A thread the viewer may read; NotFound otherwise (existence is not revealed)."""
    thread = db.session.get(Thread, thread_id)
    if thread is None:
        raise NotFound(_("话题不存在。"))
    group, access = get_visible(viewer, thread.group_id)
    if not access.can_read or (thread.deleted_at is not None and not access.can_moderate):
        raise NotFound(_("话题不存在。"))
    return thread, group, access


def get_post(viewer: Person, post_id: int) -> tuple[Post, Thread, Group, GroupAccess]:
    """A post in a thread the viewer may read."""
    post = db.session.get(Post, post_id)
    if post is None:
        raise NotFound(_("回帖不存在。"))
    thread, group, access = get_thread(viewer, post.thread_id)
    return post, thread, group, access


def list_threads(group: Group, page: int = 1) -> ListPage[Thread]:
    """One page of live threads: pinned first, then latest activity (not counted: the page
    only offers "load more")."""
    query = (
        select(Thread)
        .options(joinedload(Thread.author))
        .where(Thread.group_id == group.id, Thread.deleted_at.is_(None))
        .order_by(Thread.pinned.desc(), Thread.last_post_at.desc(), Thread.id.desc())
    )
    return ListPage.fetch(query, page, THREADS_PER_PAGE, count=False)


def thread_posts(thread: Thread) -> list[Post]:
    """All posts of a thread in order, with author, quoted post and attachments loaded."""
    return list(
        db.session.scalars(
            select(Post)
            .options(
                # Only what the page shows: on SQLite every datetime column costs a parse.
                joinedload(Post.author).load_only(Person.id, Person.name),
                joinedload(Post.quote_of)
                .load_only(Post.id, Post.body_html, Post.author_id, Post.deleted_at, Post.hidden_at)
                .joinedload(Post.author)
                .load_only(Person.id, Person.name),
                selectinload(Post.attachments),
            )
            .where(Post.thread_id == thread.id)
            .order_by(Post.created_at, Post.id)
        ).unique()
    )


def revisions(post: Post) -> list[PostRevision]:
    """Earlier versions of a post, newest first (moderators)."""
    return list(
        db.session.scalars(
            select(PostRevision)
            .options(joinedload(PostRevision.edited_by))
            .where(PostRevision.post_id == post.id)
            .order_by(PostRevision.id.desc())
        )
    )


def feed_for(viewer: Person, limit: int = 8) -> list[Thread]:
    """Latest active threads in the viewer's own groups ("what's new in my groups")."""
    my_groups = select(GroupMember.group_id).where(GroupMember.person_id == viewer.id)
    return list(
        db.session.scalars(
            select(Thread)
            .options(joinedload(Thread.group), joinedload(Thread.author))
            .where(Thread.group_id.in_(my_groups), Thread.deleted_at.is_(None))
            .order_by(Thread.last_post_at.desc(), Thread.id.desc())
            .limit(limit)
        )
    )


@dataclass
class GroupTodos:
    """What waits for the viewer in groups (home page): requests, reports, invitations."""

    requests: int = 0
    request_groups: list[Group] = field(default_factory=list)
    reports: int = 0
    report_groups: list[Group] = field(default_factory=list)
    invitations: list[JoinRequest] = field(default_factory=list)


def todos_for(viewer: Person, limit: int = 5) -> GroupTodos:
    """Pending join requests and open reports in groups the viewer moderates, and pending
    invitations to the viewer: four small queries."""
    moderated = select(GroupMember.group_id).where(
        GroupMember.person_id == viewer.id,
        GroupMember.role.in_((MemberRole.OWNER, MemberRole.MODERATOR)),
    )
    pending = (
        JoinRequest.group_id.in_(moderated),
        JoinRequest.kind == RequestKind.REQUEST,
        JoinRequest.status == RequestStatus.PENDING,
    )
    todos = GroupTodos()
    rows = db.session.execute(
        select(JoinRequest.group_id, func.count()).where(*pending).group_by(JoinRequest.group_id)
    ).all()
    todos.requests = sum(n for _gid, n in rows)
    open_reports = (PostReport.group_id.in_(moderated), PostReport.handled_at.is_(None))
    report_rows = db.session.execute(
        select(PostReport.group_id, func.count()).where(*open_reports).group_by(PostReport.group_id)
    ).all()
    todos.reports = sum(n for _gid, n in report_rows)
    ids = {g for g, _n in rows} | {g for g, _n in report_rows}
    groups = (
        {g.id: g for g in db.session.scalars(select(Group).where(Group.id.in_(ids)))} if ids else {}
    )
    todos.request_groups = [groups[g] for g, _n in rows if g in groups][:limit]
    todos.report_groups = [groups[g] for g, _n in report_rows if g in groups][:limit]
    todos.invitations = list(
        db.session.scalars(
            select(JoinRequest)
            .options(joinedload(JoinRequest.group))
            .where(
                JoinRequest.person_id == viewer.id,
                JoinRequest.kind == RequestKind.INVITATION,
                JoinRequest.status == RequestStatus.PENDING,
            )
            .order_by(JoinRequest.id.desc())
            .limit(limit)
        )
    )
    return todos
