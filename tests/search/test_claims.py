"""Search by organisation counts confirmed posts only (issue 9, finding 1)."""

from __future__ import annotations

from datetime import date

from directory.people import claims
from directory.people import services as people
from directory.search import sync
from tests.search.helpers import names


def test_a_claim_enters_the_org_filter_only_once_confirmed(
    search_app, world, cadre, outsider, org_admin
):
    with search_app.test_request_context():
        position = people.add_position(outsider, outsider, world.branch, "书记", date(2019, 1, 1))
    sync.drain()
    assert position.is_pending
    assert "赵丽" not in names(cadre, org=str(world.branch.id))
    assert "赵丽" not in names(cadre, q="模范街")
    with search_app.test_request_context():
        claims.confirm_claim(org_admin, position)
    sync.drain()
    assert "赵丽" in names(cadre, org=str(world.branch.id))
