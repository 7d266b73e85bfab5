"""No N+1: the thread page and the group page run a fixed, small number of queries."""

from __future__ import annotations

from datetime import datetime, timedelta

from directory.extensions import db
from directory.groups.post_models import Post, Thread
from tests.factories import make_person
from tests.groups.conftest import make_group

# Sign-in user, bell count, nav admin check, group, membership, thread/threads, posts, attachments.
MAX_QUERIES = 10


def _bulk_thread(group, authors, replies: int) -> Thread:  # type: ignore[no-untyped-def]
    start = datetime(2026, 1, 1)
    thread = Thread(
        group_id=group.id,
        author_id=authors[0].id,
        title="长话题",
        created_at=start,
        last_post_at=start,
    )
    db.session.add(thread)
    db.session.flush()
    db.session.add_all(
        Post(
            thread_id=thread.id,
            group_id=group.id,
            author_id=authors[i % len(authors)].id,
            body=f"回复 {i}",
            body_html=f"<p>回复 {i}</p>",
            quote_of_id=None,
            created_at=start + timedelta(minutes=i),
        )
        for i in range(replies + 1)
    )
    thread.reply_count = replies
    db.session.commit()
    return thread


def test_thread_page_with_200_replies(client, auth, owner, queries) -> None:  # type: ignore[no-untyped-def]
    authors = [owner] + [make_person(name=f"作者{i}") for i in range(20)]
    group = make_group(owner, "大群", members=tuple(authors[1:]))
    thread = _bulk_thread(group, authors, 200)
    # Quote some posts, so quoted posts and their authors are loaded too.
    posts = db.session.query(Post).filter_by(thread_id=thread.id).order_by(Post.id).all()
    for i, post in enumerate(posts[1:50], start=1):
        post.quote_of_id = posts[i - 1].id
    db.session.commit()
    auth.login(authors[3])
    thread_id = thread.id
    db.session.expunge_all()
    with queries.watch() as counter:
        response = client.get(f"/groups/threads/{thread_id}")
    assert response.status_code == 200
    assert response.get_data(as_text=True).count('<li id="post-') == 201
    assert counter.count <= MAX_QUERIES, counter.statements


def test_group_page_with_1000_threads(client, auth, owner, queries) -> None:  # type: ignore[no-untyped-def]
    authors = [owner] + [make_person(name=f"作者{i}") for i in range(20)]
    group = make_group(owner, "大群", members=tuple(authors[1:]))
    start = datetime(2026, 1, 1)
    db.session.add_all(
        Thread(
            group_id=group.id,
            author_id=authors[i % len(authors)].id,
            title=f"话题{i}",
            created_at=start,
            last_post_at=start + timedelta(minutes=i),
            pinned=i % 250 == 0,
        )
        for i in range(1000)
    )
    db.session.commit()
    auth.login(authors[2])
    group_id = group.id
    db.session.expunge_all()
    with queries.watch() as counter:
        response = client.get(f"/groups/{group_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "话题999" in html and "加载更多" in html
    # Pinned threads come first.
    assert html.index("话题750") < html.index("话题999")
    assert counter.count <= MAX_QUERIES, counter.statements
    with queries.watch() as counter:
        client.get(f"/groups/{group_id}?page=20&rows=1", headers={"HX-Request": "true"})
    assert counter.count <= MAX_QUERIES
