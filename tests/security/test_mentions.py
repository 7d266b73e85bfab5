"""A name with Markdown link syntax renders no outside link when mentioned (finding 6)."""

from __future__ import annotations

import re

import pytest

from directory.core import markdown
from tests.factories import make_person
from tests.groups.conftest import make_group, make_thread

HOSTILE_NAMES = [
    "[x](https://evil.example/a)",
    "<https://evil.example/b>",
    "![i](https://evil.example/c.png)",
    "x]: https://evil.example/d",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_render_links_only_to_the_profile(name):
    html = markdown.render("看 @某人#7 的意见", {7: name}, lambda pid: f"/people/{pid}")
    assert re.findall(r'href="([^"]*)"', html) == ["/people/7"]
    assert "<img" not in html


def test_mention_in_a_thread_links_to_the_profile_only(client, auth, owner, world):
    evil = make_person(name="[x](https://evil.example)", membership_org_id=world.street_org.id)
    group = make_group(owner, members=(evil,))
    thread = make_thread(owner, group, body=f"请 @x#{evil.id} 看看")
    auth.login(owner)
    page = client.get(f"/groups/threads/{thread.id}").get_data(as_text=True)
    assert f'href="/people/{evil.id}"' in page
    assert 'href="https://evil.example' not in page


def test_stored_posts_are_rendered_again_without_outside_links(
    app, runner, client, auth, owner, world
):
    """Posts stored before the escape fix keep no outside link once `flask groups
    rerender-posts` ran (docs/DEPLOY.md: run after every upgrade); a second run writes
    nothing."""
    from sqlalchemy import select

    from directory.extensions import db
    from directory.groups.post_models import Post

    evil = make_person(name="[x](https://evil.example)", membership_org_id=world.street_org.id)
    group = make_group(owner, members=(evil,))
    thread = make_thread(owner, group, body=f"请 @x#{evil.id} 看看")
    plain = make_thread(owner, group, "另一个", body="没有提到人")
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    plain_post = db.session.scalar(select(Post).where(Post.thread_id == plain.id))
    assert post is not None and plain_post is not None
    # What the renderer before the fix stored: the name's Markdown became a link.
    post.body_html = '<p>请 <a href="https://evil.example" rel="nofollow noopener">x</a> 看看</p>'
    plain_html = plain_post.body_html
    db.session.commit()
    auth.login(owner)
    before = client.get(f"/groups/threads/{thread.id}").get_data(as_text=True)
    assert 'href="https://evil.example' in before  # the stored damage is really shown

    result = runner.invoke(args=["groups", "rerender-posts"])
    assert result.exit_code == 0, result.output
    assert "re-rendered 1 of 2 posts" in result.output

    page = client.get(f"/groups/threads/{thread.id}").get_data(as_text=True)
    assert f'href="/people/{evil.id}"' in page
    assert 'href="https://evil.example' not in page
    db.session.expire_all()
    assert db.session.get(Post, plain_post.id).body_html == plain_html
    again = runner.invoke(args=["groups", "rerender-posts"])
    assert "re-rendered 0 of 2 posts" in again.output


def test_rerender_keeps_a_body_the_renderer_now_refuses_as_text(app, runner, owner, world):
    from sqlalchemy import select

    from directory.core import markdown
    from directory.extensions import db
    from directory.groups.post_models import Post

    group = make_group(owner)
    thread = make_thread(owner, group, body="正常")
    post = db.session.scalar(select(Post).where(Post.thread_id == thread.id))
    assert post is not None
    # Stored before the nesting limit existed: the renderer refuses it today.
    post.body = ">" * (markdown.MAX_NESTING + 5) + " [x](https://evil.example) <b>"
    post.body_html = '<blockquote><a href="https://evil.example">x</a></blockquote>'
    db.session.commit()
    result = runner.invoke(args=["groups", "rerender-posts"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    html = db.session.get(Post, post.id).body_html
    assert "<a" not in html and "<b>" not in html
    assert "[x](https://evil.example) &lt;b&gt;" in html
