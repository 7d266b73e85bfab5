"""Statistics and data quality: figures over the subtree, a CSV beside every chart, the
lists behind the quality figures, and who may see them (each persona)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, timedelta

import pytest
from sqlalchemy import update

from directory.core import time as clock
from directory.core.enums import CadreKind, OrgLevel, PositionStatus
from directory.extensions import db
from directory.people.models import Person, Position
from directory.stats.figures import transfers_table
from directory.transfers.models import Transfer, TransferReason, TransferState
from tests.factories import World, make_org, make_person


@pytest.fixture
def cadres(world: World, cadre: Person, org_admin: Person, outsider: Person) -> dict[str, Person]:
    old = make_person(
        name="老干部", membership_org_id=world.street_org.id, birth_year=1980,
        cadre_kind=CadreKind.FULL_TIME,
        positions=[(world.street_org, "委员", date(2015, 1, 1), None)],
    )  # fmt: skip
    young = make_person(
        name="年轻人", membership_org_id=world.branch.id, birth_year=clock.now().year - 24,
        cadre_kind=CadreKind.PART_TIME, phone="+8613500135000",
    )  # fmt: skip
    db.session.execute(
        update(Person)
        .where(Person.id == old.id)
        .values(updated_at=clock.now() - timedelta(days=400))
    )
    db.session.add(
        Position(
            person=young, organisation=world.branch, title="委员", start_date=date(2024, 1, 1),
            status=PositionStatus.PENDING,
        )
    )  # fmt: skip
    db.session.commit()
    return {"old": old, "young": young}


def _table(html: str, key: str) -> dict[str, int]:
    start = html.index(f'id="table-{key}"')
    body = html[start : html.index("</table>", start)]
    import re

    return {
        k: int(v)
        for k, v in re.findall(
            r'<th scope="row">(?:<a href="[^"]*">)?([^<]+)(?:</a>)?</th><td>(\d+)</td>', body
        )
    }


def test_figures_cover_the_subtree_only(client, auth, world, org_admin, cadres) -> None:  # type: ignore[no-untyped-def]
    auth.login(org_admin)
    r = client.get(f"/stats/orgs/{world.county_org.id}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    # 李明 (county), 张彤 (branch), 老干部 (street), 年轻人 (branch); not 赵丽 in Chengdu.
    assert sum(_table(html, "kind").values()) == 4
    assert _table(html, "kind")["专职"] == 1 and _table(html, "kind")["兼职"] == 1
    ages = _table(html, "age")
    assert ages["≤25"] == 1 and ages["&gt;40"] == 1  # 年轻人; 老干部 (born 1980)
    # The areas one level below 顺庆区: 李明's county committee sits in 顺庆区 itself.
    assert _table(html, "region") == {"中城街道": 3, "顺庆区": 1}
    assert "tile heat-" in html and "echarts.simple.min.js" in html and "<script>" not in html
    assert 'id="q-stale">1<' in html and 'id="q-claims">1<' in html
    r = client.get(f"/stats/orgs/{world.county_org.id}/kind.csv")
    assert r.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert rows[0] == ["干部类型", "人数"] and ["专职", "1"] in rows
    assert client.get(f"/stats/orgs/{world.county_org.id}/nope.csv").status_code == 404


def test_quality_lists(client, auth, world, org_admin, cadres) -> None:  # type: ignore[no-untyped-def]
    township = make_org("某镇团委", world.shunqing, world.county_org, OrgLevel.TOWNSHIP)
    make_person(name="镇书记", positions=[(township, "书记", date(2020, 1, 1), None)])
    auth.login(org_admin)
    base = f"/stats/orgs/{world.county_org.id}/quality"
    assert "老干部" in client.get(f"{base}/stale").get_data(as_text=True)
    committees = client.get(f"{base}/committees").get_data(as_text=True)
    assert "某镇团委" in committees and "委员 1 人（应为 9–15 人）" in committees
    assert "中城街道团工委" in committees  # no confirmed committee at all: 0 members
    no_secretary = client.get(f"{base}/no_secretary").get_data(as_text=True)
    assert "某镇团委" not in no_secretary and "共青团顺庆区委" in no_secretary
    claims = client.get(f"{base}/claims").get_data(as_text=True)
    assert "年轻人" in claims
    assert client.get(f"{base}/other").status_code == 404


def test_who_may_see_statistics(client, auth, world, cadre, org_admin, admin, outsider) -> None:  # type: ignore[no-untyped-def]
    url = f"/stats/orgs/{world.county_org.id}"
    assert client.get(url).status_code == 302
    auth.login(cadre)
    assert client.get(url).status_code == 403
    assert client.get("/stats/").status_code == 403
    assert client.get(f"{url}/kind.csv").status_code == 403
    assert client.get(f"{url}/quality/stale").status_code == 403
    auth.logout()
    auth.login(org_admin)
    assert client.get("/stats/").headers["Location"].endswith(url)
    assert client.get(f"/stats/orgs/{world.city_org.id}").status_code == 403  # above him
    assert client.get(f"/stats/orgs/{world.branch.id}").status_code == 200  # below him
    assert client.get("/stats/orgs/99999").status_code == 404
    auth.logout()
    auth.login(admin)
    assert (
        client.get("/stats/").headers["Location"].endswith(f"/stats/orgs/{world.province_org.id}")
    )
    html = client.get(f"/stats/orgs/{world.province_org.id}").get_data(as_text=True)
    assert "赵丽" not in html  # figures, never names
    assert sum(_table(html, "kind").values()) == 3  # 张彤, 李明 and 赵丽: the whole province


def test_transfers_count_in_the_month_of_the_display_zone(app, world, cadre, org_admin) -> None:  # type: ignore[no-untyped-def]
    """A transfer completed at 01:00 on the 1st in China (17:00 UTC the day before) counts
    in the new month, as every page shows its time."""
    local_now = clock.to_local(clock.now())
    first = local_now.replace(day=1, hour=1, minute=0, second=0, microsecond=0)
    at = first.astimezone(UTC).replace(tzinfo=None)
    assert at.month != first.month  # the day before in UTC
    db.session.add(
        Transfer(
            person_id=cadre.id, from_org_id=world.branch.id, to_org_id=world.chengdu_org.id,
            final_org_id=world.chengdu_org.id, requested_by_id=org_admin.id,
            reason=TransferReason.JOB, state=TransferState.COMPLETED, state_since=at,
            completed_at=at,
        )
    )  # fmt: skip
    db.session.commit()
    out, _in = transfers_table(world.county_org)
    assert out.rows[-1] == (first.strftime("%Y-%m"), 1)
    assert out.total == 1
