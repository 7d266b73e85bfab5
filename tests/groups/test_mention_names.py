"""Mentions by name (issue 10): authors see and type `@姓名`; the id travels hidden.

Namesakes stay apart: the person picked in the autocomplete is the one linked and notified;
a typed name that several people share links nobody rather than a guess.
"""

from __future__ import annotations

from sqlalchemy import select

from directory.extensions import db
from directory.groups import mentions
from directory.groups.post_models import Post
from directory.notifications.models import Notification
from tests.factories import make_person
from tests.groups.conftest import make_group, make_thread


def _last_post() -> Post:
    return db.session.scalar(select(Post).order_by(Post.id.desc()))  # type: ignore[return-value]


def _notified(person_id: int) -> list[str]:
    return list(
        db.session.scalars(select(Notification.kind).where(Notification.person_id == person_id))
    )


def test_picked_namesake_is_the_one_linked_and_notified(client, auth, owner, world) -> None:  # type: ignore[no-untyped-def]
    a = make_person(name="李明", membership_org_id=world.street_org.id)
    b = make_person(name="李明", membership_org_id=world.chengdu_org.id)
    group = make_group(owner, "开放群", members=(a, b))
    thread = make_thread(owner, group, "例会")
    auth.login(owner)
    r = client.post(
        f"/groups/threads/{thread.id}/reply",
        data={"body": "请 @李明 准备材料", "mention": [str(b.id)]},
    )
    assert r.status_code == 303
    post = _last_post()
    assert post.body == f"请 @李明#{b.id} 准备材料"
    assert f'href="/people/{b.id}"' in post.body_html and f"/people/{a.id}" not in post.body_html
    assert ">@李明<" in post.body_html and f"#{b.id}" not in post.body_html
    assert _notified(b.id) == ["group_mention"] and _notified(a.id) == []


def test_typed_name_links_the_only_person_so_named(client, auth, owner, cadre) -> None:  # type: ignore[no-untyped-def]
    group = make_group(owner, "开放群")
    auth.login(owner)
    r = client.post(
        f"/groups/{group.id}/threads/new", data={"title": "例会", "body": "@张彤，请看一下"}
    )
    assert r.status_code == 303
    post = _last_post()
    assert post.body == f"@张彤#{cadre.id}，请看一下"
    assert f'href="/people/{cadre.id}"' in post.body_html


def test_typed_shared_name_prefers_the_group_member_else_nobody(client, auth, owner, world) -> None:  # type: ignore[no-untyped-def]
    inside = make_person(name="王芳")
    make_person(name="王芳")
    nobody_a, nobody_b = make_person(name="赵磊"), make_person(name="赵磊")
    group = make_group(owner, "开放群", members=(inside,))
    thread = make_thread(owner, group, "例会")
    auth.login(owner)
    client.post(f"/groups/threads/{thread.id}/reply", data={"body": "@王芳 和 @赵磊 请看"})
    post = _last_post()
    assert post.body == f"@王芳#{inside.id} 和 @赵磊 请看"
    assert _notified(inside.id) == ["group_mention"]
    assert _notified(nobody_a.id) == [] and _notified(nobody_b.id) == []


def test_edit_form_shows_names_and_keeps_the_ids_hidden(client, auth, owner, world) -> None:  # type: ignore[no-untyped-def]
    a = make_person(name="李明")
    b = make_person(name="李明")
    group = make_group(owner, "开放群", members=(a, b))
    thread = make_thread(owner, group, "例会", body=f"@李明#{b.id} 和 @李明#{a.id} 请看")
    post = _last_post()
    auth.login(owner)
    page = client.get(f"/groups/posts/{post.id}/edit").get_data(as_text=True)
    assert "@李明 和 @李明 请看" in page and f"#{a.id}" not in page and f"#{b.id}" not in page
    hidden = [f'name="mention" value="{b.id}"', f'name="mention" value="{a.id}"']
    assert page.index(hidden[0]) < page.index(hidden[1])
    # Saved as shown (names, ids hidden in the same order): each mention keeps its person.
    r = client.post(
        f"/groups/posts/{post.id}/edit",
        data={"body": "@李明 和 @李明 请看，谢谢", "mention": [str(b.id), str(a.id)]},
    )
    assert r.status_code == 303
    db.session.expire_all()
    assert db.session.get(Post, post.id).body == f"@李明#{b.id} 和 @李明#{a.id} 请看，谢谢"  # type: ignore[union-attr]
    assert thread.id


def test_lookup_gives_names_and_organisations_not_numbers(client, auth, owner, cadre) -> None:  # type: ignore[no-untyped-def]
    auth.login(owner)
    found = client.get("/groups/mentions?q=zhang", headers={"Accept": "application/json"})
    [hit] = [p for p in found.get_json() if p["id"] == cadre.id]
    assert hit["token"] == "@张彤" and hit["name"] == "张彤"
    assert hit["org"] == cadre.membership_org.name
    page = client.get("/groups/mentions?q=zhang").get_data(as_text=True)
    assert "@张彤</code>" in page and f"#{cadre.id}" not in page


def test_canonical_edge_cases(app, world) -> None:  # type: ignore[no-untyped-def]
    tom = make_person(name="Tom")
    li = make_person(name="李明")
    # A Latin name ends at a word's end; a digit after an id is kept apart from it.
    assert mentions.canonical("@Tommy @Tom!", [], None) == f"@Tommy @Tom#{tom.id}!"
    assert mentions.canonical("@李明2024年", [], None) == f"@李明#{li.id} 2024年"
    # A hand-written canonical mention stays; bad hidden ids are dropped.
    assert mentions.canonical(f"@李明#{li.id}", [], None) == f"@李明#{li.id}"
    assert mentions.picked_ids(["12", "x", "-1", "٣", "7"]) == [12, 7]
    assert mentions.shown(f"@李明#{li.id} 好") == ("@李明 好", [li.id])


def test_digits_after_a_mention_are_ascii_only(app, owner, world) -> None:  # type: ignore[no-untyped-def]
    """Only [0-9] is part of a mention's id (as everywhere numbers are read): a '²' or an
    Arabic-Indic digit after the name is text, never read into the id."""
    from directory.core import markdown

    a = make_person(name="李明", membership_org_id=world.street_org.id)
    group = make_group(owner, "开放群", members=(a,))
    assert mentions.canonical("@李明²", [a.id], group) == f"@李明#{a.id}²"
    assert mentions.canonical("@李明2", [a.id], group) == f"@李明#{a.id} 2"
    assert markdown.mention_ids(f"@李明#{a.id}٣") == {a.id}
    assert markdown.mention_ids("@李明#99999999999") == set()  # beyond any id: no one
