"""Lists cost the same number of statements whatever their length (no N+1)."""

from __future__ import annotations

import pytest

from directory.transfers import batches
from directory.transfers import services as svc
from directory.transfers.models import TransferReason
from tests.conftest import QueryCounter
from tests.factories import make_org, make_person


def _cost(client, url: str) -> int:
    with QueryCounter().watch() as counter:
        r = client.get(url)
    assert r.status_code == 200
    return len(counter.statements)


@pytest.fixture
def movers(world, receiving, org_admin):
    """Make `n` more members of the branch move to a fresh destination each."""

    def make(n: int) -> list[int]:
        lines = []
        for _ in range(n):
            p = make_person(membership_org_id=world.branch.id)
            dest = make_org(f"目的地{p.id}", world.chengdu, world.chengdu_org)
            lines.append(batches.BatchLine(p.id, f"#{p.id}", f"#{dest.id}"))
        return [batches.submit_batch(org_admin, lines, TransferReason.JOB).id]

    return make


def test_dashboard_and_batch_pages_constant(client, auth, org_admin, world, movers):
    auth.login(org_admin)
    batch_small = movers(2)[0]
    small = (
        _cost(client, f"/transfers/orgs/{world.county_org.id}"),
        _cost(client, f"/transfers/batch/{batch_small}"),
        _cost(client, f"/transfers/orgs/{world.county_org.id}/batch"),
    )
    batch_large = movers(12)[0]
    large = (
        _cost(client, f"/transfers/orgs/{world.county_org.id}"),
        _cost(client, f"/transfers/batch/{batch_large}"),
        _cost(client, f"/transfers/orgs/{world.county_org.id}/batch"),
    )
    assert small == large
    assert large[0] <= 9  # user, admin_of, bell, org, counts, list ids, rows, flows (+ regions)


def test_my_list_constant(client, auth, cadre, receiving, world):
    auth.login(cadre)
    svc.submit(cadre, cadre, receiving.branch, TransferReason.JOB)
    one = _cost(client, "/transfers/")
    svc.withdraw(cadre, 1, 1)
    for i in range(5):
        dest = make_org(f"目的地{i}", world.chengdu, world.chengdu_org)
        t = svc.submit(cadre, cadre, dest, TransferReason.JOB)
        svc.withdraw(cadre, t.id, t.version)
    assert _cost(client, "/transfers/") == one
