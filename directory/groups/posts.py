"""Discussions: threads and posts, edits with history, soft delete, moderation, reports.

Moderation (hide/restore, pin/lock, reports) is in `post_moderation.py`.
Posting stores the Markdown and its sanitised HTML together; attachments are
written to disk first and removed again if the transaction fails, so a refused
post leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app, url_for
from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy import select, update

from directory.core import markdown, uow
from directory.core import time as clock
from directory.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from directory.core.messages import _m
from directory.core.uow import transactional
from directory.extensions import db
from directory.groups import attachments, mentions
from directory.groups.models import Group, GroupMember, GroupVisibility
from directory.groups.notify import dispatch
from directory.groups.permissions import GroupAccess
from directory.groups.post_models import Attachment, Post, PostRevision, Thread
from directory.groups.services import log_action
from directory.people.models import Person


def thread_link(thread: Thread, post_id: int | None = None) -> str:
    """URL of a thread (at a post)."""
    url = url_for("groups.thread", thread_id=thread.id)
    return f"{url}#post-{post_id}" if post_id else url


# --- writing -------------------------------------------------------------------------------


def _check_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise ValidationError(_("内容不能为空。"), field="body")
    limit = int(current_app.config["POST_MAX_LENGTH"])
    if len(body) > limit:
        raise ValidationError(
            _("内容太长：最多 %(limit)d 个字符（现在 %(n)d 个）。", limit=limit, n=len(body)),
            field="body",
        )
    return body


def _render(body: str) -> tuple[str, set[int]]:
    """Sanitised HTML and the ids of the people really mentioned."""
    ids = markdown.mention_ids(body)
    people = {}
    if ids:
        people = dict(
            db.session.execute(select(Person.id, Person.name).where(Person.id.in_(ids))).all()
        )
    try:
        html = markdown.render(body, people, lambda pid: url_for("people.show", person_id=pid))
    except markdown.NestingTooDeep:
        raise ValidationError(
            _("内容嵌套层级太深（最多 %(n)d 层），请简化格式。", n=markdown.MAX_NESTING),
            field="body",
        ) from None
    return html, set(people)


def rerender_stored_posts(batch: int = 500) -> tuple[int, int]:
    """Render every stored post's HTML again from its Markdown; returns (seen, changed).

    Stored HTML keeps whatever the renderer of its day produced: posts written before
    the mention escape (issue 9, finding 6) still link a name like `[x](https://...)` to
    an outside site. Idempotent: a post whose HTML is already current is not written,
    so a second run changes nothing. One transaction per batch (keyset by id); a body
    that the current renderer refuses (nested too deep) is stored as escaped text.
    Run by `flask groups rerender-posts` after an upgrade (docs/DEPLOY.md).
    """
    seen = changed = 0
    last_id = 0
    while True:
        rows = db.session.execute(
            select(Post.id, Post.body, Post.body_html)
            .where(Post.id > last_id)
            .order_by(Post.id)
            .limit(batch)
        ).all()
        if not rows:
            return seen, changed
        last_id = rows[-1].id
        seen += len(rows)
        with uow.unit_of_work():
            for post_id, body, old_html in rows:
                try:
                    html, _mentioned = _render(body)
                except ValidationError:
                    html = markdown.sanitise("<p>" + escape(body) + "</p>")
                if html != old_html:
                    db.session.execute(
                        update(Post).where(Post.id == post_id).values(body_html=html)
                    )
                    changed += 1


def _readers(group: Group, ids: set[int]) -> set[int]:
    """Of `ids`, the people who may read the group (so a notification cannot leak it)."""
    if not ids:
        return set()
    if group.visibility == GroupVisibility.PUBLIC:
        stmt = select(Person.id).where(Person.id.in_(ids), Person.is_active_account)
    else:
        stmt = select(GroupMember.person_id).where(
            GroupMember.group_id == group.id, GroupMember.person_id.in_(ids)
        )
    return set(db.session.scalars(stmt))


def _require_can_post(access: GroupAccess, thread: Thread | None = None) -> None:
    if not access.can_post:
        raise PermissionDenied(_("只有群组成员可以发言。"))
    if thread is not None and thread.locked and not access.can_moderate:
        raise PermissionDenied(_("该话题已锁定，不能回复。"))


def _attach(post: Post, files: list[attachments.CheckedFile]) -> None:
    """Store the files now; the unit of work deletes them again if it rolls back."""
    stored: list[str] = []
    if files:
        uow.required().on_rollback(lambda: attachments.discard(stored))
    for f in files:
        key = attachments.store(f.data)
        stored.append(key)
        db.session.add(
            Attachment(
                post=post,
                filename=f.filename,
                content_type=f.content_type,
                size=len(f.data),
                storage_key=key,
            )
        )


@transactional
def create_thread(
    actor: Person,
    group: Group,
    access: GroupAccess,
    title: str,
    body: str,
    files: list[attachments.CheckedFile] | None = None,
    picked: Sequence[int] = (),
) -> Thread:
    """Start a thread with its opening post (members). `picked`: the people chosen in the
    mention autocomplete (groups/mentions.py)."""
    _require_can_post(access)
    title = title.strip()
    if not title:
        raise ValidationError(_("请填写标题。"), field="title")
    if len(title) > 200:
        raise ValidationError(_("标题最多 200 个字。"), field="title")
    body = mentions.canonical(_check_body(body), picked, group)
    html, mentioned = _render(body)
    now = clock.now()
    thread = Thread(
        group_id=group.id, author_id=actor.id, title=title, created_at=now, last_post_at=now
    )
    db.session.add(thread)
    db.session.flush()
    post = Post(
        thread_id=thread.id,
        group_id=group.id,
        author_id=actor.id,
        body=body,
        body_html=html,
        created_at=now,
    )
    db.session.add(post)
    db.session.flush()
    db.session.execute(
        update(Group)
        .where(Group.id == group.id)
        .values(thread_count=Group.thread_count + 1, last_activity_at=now)
    )
    _notify_mentions(actor, group, thread, post, mentioned, set())
    _attach(post, files or [])
    return thread


@transactional
def reply(
    actor: Person,
    thread: Thread,
    group: Group,
    access: GroupAccess,
    body: str,
    quote_of_id: int | None = None,
    files: list[attachments.CheckedFile] | None = None,
    picked: Sequence[int] = (),
) -> Post:
    """Add a reply, optionally quoting a live post of the same thread."""
    _require_can_post(access, thread)
    if thread.deleted_at is not None:
        raise NotFound(_("话题不存在。"))
    body = mentions.canonical(_check_body(body), picked, group)
    quoted = None
    if quote_of_id is not None:
        quoted = db.session.get(Post, quote_of_id)
        if quoted is None or quoted.thread_id != thread.id:
            raise ValidationError(_("引用的回帖不存在。"), field="quote_of")
        if quoted.is_removed:
            raise ValidationError(_("引用的回帖已被删除，不能回复它。"), field="quote_of")
    html, mentioned = _render(body)
    now = clock.now()
    post = Post(
        thread_id=thread.id,
        group_id=group.id,
        author_id=actor.id,
        body=body,
        body_html=html,
        quote_of_id=quote_of_id,
        created_at=now,
    )
    db.session.add(post)
    count = db.session.execute(
        update(Thread)
        .where(Thread.id == thread.id, Thread.deleted_at.is_(None))
        .values(reply_count=Thread.reply_count + 1, last_post_at=now)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE/DELETE gives a CursorResult; Session.execute is typed Result
    if not count:
        raise NotFound(_("话题不存在。"))
    db.session.execute(update(Group).where(Group.id == group.id).values(last_activity_at=now))
    db.session.flush()
    candidates = {thread.author_id, quoted.author_id if quoted else None}
    replied_to = _readers(group, {i for i in candidates if i and i != actor.id})
    if replied_to:
        dispatch(
            replied_to,
            "group_reply",
            _m("%(name)s 回复了话题“%(title)s”", name=actor.name, title=thread.title[:80]),
            thread_link(thread, post.id),
        )
    _notify_mentions(actor, group, thread, post, mentioned, replied_to)
    _attach(post, files or [])
    return post


def _notify_mentions(
    actor: Person, group: Group, thread: Thread, post: Post, ids: set[int], already: set[int]
) -> None:
    targets = _readers(group, ids - already - {actor.id})
    if targets:
        dispatch(
            targets,
            "group_mention",
            _m("%(name)s 在话题“%(title)s”中提到了你", name=actor.name, title=thread.title[:80]),
            thread_link(thread, post.id),
        )


@transactional
def edit_post(
    actor: Person, post: Post, access: GroupAccess, body: str, picked: Sequence[int] = ()
) -> Post:
    """Change a post's text (its author, or a moderator); the old text goes to history."""
    if post.is_removed:
        raise ValidationError(_("该回帖已被删除，不能编辑。"))
    if post.author_id != actor.id and not access.can_moderate:
        raise PermissionDenied(_("只能编辑自己的回帖。"))
    if post.author_id == actor.id and not access.is_member and not access.can_moderate:
        raise PermissionDenied(_("只有群组成员可以发言。"))
    body = mentions.canonical(_check_body(body), picked, access.group)
    if body == post.body:
        return post
    html, _mentioned = _render(body)
    db.session.add(PostRevision(post_id=post.id, body=post.body, edited_by_id=actor.id))
    post.body = body
    post.body_html = html
    post.edited_at = clock.now()
    if post.author_id != actor.id:
        log_action(post.group_id, actor.id, "edit_post", thread_id=post.thread_id, post_id=post.id)
    return post


@transactional
def delete_post(actor: Person, post: Post, thread: Thread, access: GroupAccess) -> None:
    """Soft-delete a post (its author or a moderator); an opening post deletes the thread."""
    if post.author_id != actor.id and not access.can_moderate:
        raise PermissionDenied(_("只能删除自己的回帖。"))
    now = clock.now()
    count = db.session.execute(
        update(Post)
        .where(Post.id == post.id, Post.deleted_at.is_(None))
        .values(deleted_at=now, deleted_by_id=actor.id)
        .execution_options(synchronize_session=False)
    ).rowcount  # type: ignore[attr-defined]  # an UPDATE/DELETE gives a CursorResult; Session.execute is typed Result
    if not count:
        raise Conflict(_("该回帖已被删除。"))
    # Also through the ORM, so flush listeners (the search outbox) see the change.
    post.deleted_at, post.deleted_by_id = now, actor.id
    if _is_opening(post, thread):
        thread.deleted_at = clock.now()
    if post.author_id != actor.id:
        log_action(post.group_id, actor.id, "delete", thread_id=thread.id, post_id=post.id)
    db.session.refresh(post)


def _is_opening(post: Post, thread: Thread) -> bool:
    first = db.session.scalar(
        select(Post.id).where(Post.thread_id == thread.id).order_by(Post.created_at, Post.id)
    )
    return first == post.id
