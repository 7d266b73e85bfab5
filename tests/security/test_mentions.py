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
