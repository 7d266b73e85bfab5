"""Search of threads and posts, on the directory's search machinery (docs/SEARCH.md).

Each post is one document of type "post": the thread title (segmented), the Markdown
text (segmented) and the author's name. Its `acl` filter holds `g<group id>` and, for a
public group, `public`; a search always filters on `public` plus the viewer's own groups,
inside the index query, so totals and facets count only what the viewer may read. The
rows of the page are then loaded with `readable_posts(viewer)` as well, so even an index
that lags behind a visibility change cannot show a post the viewer may not read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import or_, select, true
from sqlalchemy.orm import Session

from directory.core.errors import NotFound
from directory.core.numbers import parse_id
from directory.core.pagination import ListPage
from directory.core.sql import startswith
from directory.extensions import db
from directory.groups.models import Group, GroupVisibility
from directory.groups.permissions import GroupAccess, readable_groups, readable_posts
from directory.groups.post_models import Post, Thread
from directory.people.models import Person
from directory.search import sync
from directory.search.backends import get_backend
from directory.search.documents import Doc, changed, id_batches
from directory.search.query import Query, build_tree

PER_PAGE = 20
MAX_PAGE = 200
SNIPPET = 120


class PostDocuments:
    """One document per post; thread and group changes re-index their posts."""

    name = "post"
    facets: tuple[str, ...] = ("group",)

    def watch(self, obj: object, state: str) -> list[tuple[str, int]]:
        """Outbox entries for one changed row."""
        if isinstance(obj, Post) and (
            state != "dirty" or changed(obj, ("body", "deleted_at", "hidden_at"))
        ):
            return [("post", obj.id)]
        if isinstance(obj, Thread) and state == "dirty" and changed(obj, ("title", "deleted_at")):
            return [("thread", obj.id)]
        if isinstance(obj, Group) and state == "dirty" and changed(obj, ("visibility",)):
            return [("group", obj.id)]
        return []

    def expand(self, session: Session, source: str, keys: set[int]) -> set[int]:
        """Post ids affected by changes of `source` rows `keys`."""
        if source == "post":
            return set(keys)
        if source == "all":
            return {k for batch in self.all_keys(session, 50_000) for k in batch}
        column = {"thread": Post.thread_id, "group": Post.group_id}.get(source)
        if column is None:
            return set()
        return set(session.scalars(select(Post.id).where(column.in_(keys))))

    def all_keys(self, session: Session, batch: int) -> Iterator[list[int]]:
        """Every post id, in batches."""
        return id_batches(session, Post.id, batch)

    def load(self, session: Session, keys: set[int]) -> dict[int, Doc]:
        """Documents for the posts among `keys` that exist (one query)."""
        if not keys:
            return {}
        rows = session.execute(
            select(
                Post.id,
                Post.body,
                Post.group_id,
                Post.deleted_at,
                Post.hidden_at,
                Thread.title,
                Thread.deleted_at.label("thread_deleted_at"),
                Group.visibility,
                Person.name,
            )
            .join(Thread, Thread.id == Post.thread_id)
            .join(Group, Group.id == Post.group_id)
            .outerjoin(Person, Person.id == Post.author_id)
            .where(Post.id.in_(keys))
        ).all()
        docs = {}
        for r in rows:
            live = r.deleted_at is None and r.hidden_at is None and r.thread_deleted_at is None
            acl = [f"g{r.group_id}"]
            if r.visibility == GroupVisibility.PUBLIC:
                acl.append("public")
            docs[r.id] = Doc(
                key=r.id,
                names=[r.name] if r.name else [],
                pinyin=[],
                org_text=r.title,
                body=r.body,
                filters={"acl": acl, "group": [str(r.group_id)], "live": ["1" if live else "0"]},
                sort=f"{r.id:012d}",
            )
        return docs


@dataclass
class PostHit:
    post: Post
    thread: Thread
    group: Group
    author: str
    snippet: str


@dataclass(kw_only=True)
class PostPage(ListPage[PostHit]):
    """A page of matching posts (a ListPage of hits) with the per-group counts."""

    q: str
    groups: list[tuple[Group, int]] = field(default_factory=list)
    group: Group | None = None
    hint: str = ""

    @property
    def hits(self) -> list[PostHit]:
        return self.items

    @property
    def more(self) -> bool:
        return self.has_next


def _acl(viewer: Person) -> list[str] | None:
    """The index filter for the viewer: public groups plus the others `readable_groups` allows."""
    if viewer.is_admin:
        return None
    private = db.session.scalars(
        select(Group.id).where(readable_groups(viewer), Group.visibility != GroupVisibility.PUBLIC)
    )
    return ["public", *(f"g{gid}" for gid in private)]


def search_posts(viewer: Person, q: str, group_id: int | None = None, page: int = 1) -> PostPage:
    """Posts the viewer may read that match `q` (optionally in one group), newest relevance."""
    q = q.strip()[:200]
    page = min(max(page, 1), MAX_PAGE)
    group = None
    if group_id is not None:
        group = db.session.get(Group, group_id)
        if group is None or not GroupAccess(viewer, group).can_read:
            raise NotFound(_("群组不存在。"))
    tree, words = build_tree(q)
    if tree is None:
        hint = _("请输入要查找的文字。") if q else ""
        return PostPage([], 0, page, PER_PAGE, q=q, group=group, hint=hint)
    if sync.pending():
        sync.drain_quietly()
    filters: dict[str, list[str]] = {"live": ["1"]}
    acl = _acl(viewer)
    if acl is not None:
        filters["acl"] = acl
    if group is not None:
        filters["group"] = [str(group.id)]
    query = Query(
        tree=tree, filters=filters, facets=("group",), page=page, per_page=PER_PAGE, words=words
    )
    result = get_backend().search("post", query)
    hits = _load(viewer, result.keys, words)
    counts = result.facets.get("group", {})
    groups = []
    if counts:
        ids = [i for i in map(parse_id, counts) if i is not None]
        found = db.session.scalars(select(Group).where(Group.id.in_(ids), readable_groups(viewer)))
        groups = sorted(((g, counts[str(g.id)]) for g in found), key=lambda t: -t[1])
    hint = "" if result.total else _("没有找到匹配的回帖。")
    return PostPage(hits, result.total, page, PER_PAGE, q=q, groups=groups, group=group, hint=hint)


def _load(viewer: Person, keys: list[int], words: list[str]) -> list[PostHit]:
    if not keys:
        return []
    rows = db.session.execute(
        select(Post, Thread, Group, Person.name)
        .join(Thread, Thread.id == Post.thread_id)
        .join(Group, Group.id == Post.group_id)
        .outerjoin(Person, Person.id == Post.author_id)
        .where(Post.id.in_(keys), readable_posts(viewer))
    ).all()
    by_id = {post.id: (post, thread, group, name) for post, thread, group, name in rows}
    hits = []
    for key in dict.fromkeys(keys):  # in rank order, once each
        if key in by_id:
            post, thread, group, name = by_id[key]
            hits.append(PostHit(post, thread, group, name or "", snippet(post.body, words)))
    return hits


def snippet(body: str, words: list[str]) -> str:
    """A plain-text excerpt of the post around the first matching word."""
    plain = " ".join(body.split())
    lowered = plain.lower()
    start = 0
    for word in words:
        i = lowered.find(word)
        if i >= 0:
            start = max(0, i - SNIPPET // 3)
            break
    excerpt = plain[start : start + SNIPPET]
    return ("…" if start else "") + excerpt + ("…" if start + SNIPPET < len(plain) else "")


def mention_candidates(q: str, limit: int = 8) -> list[Person]:
    """Active people for @mention autocomplete: name, pinyin or initials (张彤: zt, zhangt)."""
    q = q.strip()[:40]
    if not q:
        return []
    ids: list[int] = []
    tree, words = build_tree(q)
    if tree is not None:
        if sync.pending():
            sync.drain_quietly()
        query = Query(tree=tree, filters={"active": ["1"]}, per_page=limit, words=words)
        ids = list(dict.fromkeys(get_backend().search("person", query).keys))
    if len(ids) < limit:
        # Also a plain prefix match, so people written since the last index drain appear.
        ids += [
            pid
            for pid in db.session.scalars(
                select(Person.id)
                .where(
                    Person.is_active_account,
                    Person.id.not_in(ids) if ids else true(),
                    or_(
                        startswith(Person.name, q),
                        startswith(Person.name_pinyin, q.lower()),
                    ),
                )
                .order_by(Person.name_pinyin, Person.id)
                .limit(limit - len(ids))
            )
        ]
    if not ids:
        return []
    by_id = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(ids)))}
    return [by_id[i] for i in ids if i in by_id and by_id[i].is_active_account][:limit]
