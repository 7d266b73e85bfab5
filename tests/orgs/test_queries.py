"""Query counts: the pages cost the same number of statements whatever their length."""

from __future__ import annotations

from datetime import date

import pytest

from directory.core.enums import Visibility
from directory.extensions import db
from tests.factories import make_org, make_person
from tests.orgs.conftest import HX


def _populate(world, n: int, start: int = 0) -> None:
    """n children with a cadre each, n cadres and n roster members on the street committee."""
    street = world.street_org
    for i in range(start, start + n):
        child = make_org(f"第{i}社区团支部", world.street_region, street)
        make_person(
            name=f"支书{i}",
            phone=f"+86139{i:08d}",
            phone_visibility=Visibility.SHARED,
            membership_org_id=child.id,
            positions=[(child, "书记", date(2020, 1, 1), None)],
        )
        make_person(
            name=f"委员{i}",
            wechat=f"wx{i}",
            wechat_visibility=Visibility.SIGNED_IN,
            membership_org_id=world.chengdu_org.id if i % 2 else None,
            positions=[
                (street, "委员", date(2021, 1, 1), None),
                (street, "干事", date(2018, 1, 1), date(2020, 12, 31)),
            ],
        )
        make_person(name=f"团员{i}", email=f"m{i}@example.org", membership_org_id=street.id)
    db.session.commit()


def _count(client, queries, url, headers=None) -> int:
    with queries.watch() as counter:
        r = client.get(url, headers=headers or {})
    assert r.status_code == 200
    return counter.count


@pytest.mark.parametrize("persona", ["org_admin", "cadre", "admin"])
def test_show_page_query_count_is_constant(
    client, auth, world, cadre, org_admin, admin, queries, persona, request
):
    auth.login(request.getfixturevalue(persona))
    url = f"/orgs/{world.street_org.id}"
    _populate(world, 2)
    small = _count(client, queries, url)
    _populate(world, 10, start=2)
    large = _count(client, queries, url)
    html = client.get(url).get_data(as_text=True)
    assert "支书11" not in html and "第11社区团支部" in html and "委员11" in html
    assert small == large, queries.statements
    # user, bell, org, positions, admins, roster or count, ancestors, children, the children's
    # cadre counts (people's page part since orgs no longer imports people; one grouped
    # query, it was a subquery of the children's), ties, admin_of, and (transfers) the
    # roster's 转接中 markers with the incoming transfers
    assert large <= 13, queries.statements


def test_tree_query_counts_are_constant(client, auth, world, cadre, queries):
    auth.login(cadre)
    _populate(world, 2)
    url = f"/orgs/{world.street_org.id}/children"
    small = (_count(client, queries, url, HX), _count(client, queries, url))
    _populate(world, 10, start=2)
    large = (_count(client, queries, url, HX), _count(client, queries, url))
    assert small == large
    # user, org, the nodes with their children's counts, their cadre counts (people's page
    # part, one grouped query), and the bell's unread count
    assert large[0] <= 5, queries.statements
    assert _count(client, queries, "/orgs/", HX) <= 3


def test_lookup_query_count(client, auth, world, cadre, queries):
    auth.login(cadre)
    _populate(world, 2)
    small = _count(client, queries, "/orgs/lookup?q=社区", HX)
    _populate(world, 10, start=2)
    large = _count(client, queries, "/orgs/lookup?q=社区", HX)
    assert small == large, queries.statements
    # user, the tree's names (matched by name, pinyin and path; they also give the paths
    # shown), the matches with their regions, and the nav context processor's admin check
    assert large <= 4, queries.statements
