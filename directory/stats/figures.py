"""Statistics over an admin's subtree: cadres by region, sector, kind, establishment, age
band, political status and tenure; transfers in and out by month.

Every figure is a `Table` (title, rows of (label, count), an optional key per row for a
drill-down link), computed from the tally kept per organisation (stats/tally.py: the subtree's cadres per
profile bucket, each organisation's own members) or with GROUP BY queries over the
subtree (`path LIKE 'p%'`), so the page costs a handful of queries whatever the number of
cadres, and none of them reads every person.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from directory.core import time as clock
from directory.core.enums import CadreKind, Establishment, PoliticalStatus, Sector
from directory.core.sql import startswith
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.people.models import Position
from directory.regions.models import Region
from directory.stats.models import CadreTally, OrgTally
from directory.transfers.models import Transfer, TransferState


@dataclass
class Table:
    """One figure: its rows are what the chart draws and the CSV holds."""

    key: str
    title: str
    rows: list[tuple[str, int]]
    links: dict[str, str] = field(default_factory=dict)  # row label -> region code
    chart: str = "bar"

    @property
    def total(self) -> int:
        return sum(n for _label, n in self.rows)


def _enum_table(key: str, title: str, counts: Counter, enum) -> Table:
    rows = [(str(m.label), counts.get(m, 0)) for m in enum]
    if counts.get(None):
        rows.append((_("未填写"), counts[None]))
    return Table(key, title, rows)


AGE_BANDS = ((25, "≤25"), (30, "26–30"), (35, "31–35"), (40, "36–40"), (200, ">40"))


TENURE = ((1, "<1"), (3, "1–2"), (6, "3–5"), (1000, ">5"))


def tenure_table(org: Organisation) -> Table:
    """Years since the start of each current confirmed post held in the subtree (posts, not
    people: someone with two current posts counts twice; grouped by start date, one scan)."""
    stmt = (
        select(Position.start_date, func.count())
        .where(
            Position.organisation_id.in_(
                select(Organisation.id).where(startswith(Organisation.path, org.path))
            ),
            Position.grants_access,
            Position.end_date.is_(None),
        )
        .group_by(Position.start_date)
    )
    today = clock.today()
    counts: Counter[str] = Counter()
    for start, n in db.session.execute(stmt):
        years = (today - start).days / 365.25
        counts[next(lbl for limit, lbl in TENURE if years < limit)] += n
    return Table(
        "tenure", _("任现职年限（年，按职务计）"), [(lbl, counts.get(lbl, 0)) for _l, lbl in TENURE]
    )


def region_table(org: Organisation) -> Table:
    """Cadres per area one level below the organisation's region (the tile map's data)."""
    code = org.region.code if org.region else ""
    width = {0: 2, 2: 4, 4: 6, 6: 9, 9: 12, 12: 12}[len(code)]
    area = func.substr(Region.code, 1, width)
    # Each organisation's own members, from the tally (one row per organisation).
    stmt = (
        select(area, func.sum(OrgTally.own))
        .select_from(OrgTally)
        .join(Organisation, Organisation.id == OrgTally.org_id)
        .join(Region, Region.id == Organisation.region_id)
        .where(startswith(Organisation.path, org.path), OrgTally.own != 0)
        .group_by(area)
    )
    counts: dict[str, int] = {code: int(n) for code, n in db.session.execute(stmt) if n}
    names: dict[str, str] = {
        code: name
        for code, name in db.session.execute(
            select(Region.code, Region.name).where(Region.code.in_(list(counts)))
        )
    }
    rows = sorted(counts.items())
    table = Table("region", _("地区"), [(names.get(c, c), n) for c, n in rows], chart="tiles")
    table.links = {names.get(c, c): c for c, _n in rows}
    return table


def transfers_table(org: Organisation, months: int = 12) -> tuple[Table, Table]:
    """Completed transfers leaving and joining the subtree, per month of the display zone
    (last `months`)."""
    since = clock.now() - timedelta(days=31 * months)
    inside = select(Organisation.id).where(startswith(Organisation.path, org.path))
    stmt = select(
        Transfer.state_since, Transfer.from_org_id.in_(inside), Transfer.final_org_id.in_(inside)
    ).where(Transfer.state == TransferState.COMPLETED, Transfer.state_since >= since)
    out_counts: Counter[str] = Counter()
    in_counts: Counter[str] = Counter()
    for at, from_inside, to_inside in db.session.execute(stmt):
        month = clock.local_time(at, "%Y-%m")
        if from_inside and not to_inside:
            out_counts[month] += 1
        if to_inside and not from_inside:
            in_counts[month] += 1
    now = clock.to_local(clock.now())
    labels = []
    y, m = now.year, now.month
    for _i in range(months):
        labels.append(f"{y:04d}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    labels.reverse()
    return (
        Table(
            "transfers_out",
            _("转出（按月）"),
            [(lbl, out_counts.get(lbl, 0)) for lbl in labels],
            chart="line",
        ),
        Table(
            "transfers_in",
            _("转入（按月）"),
            [(lbl, in_counts.get(lbl, 0)) for lbl in labels],
            chart="line",
        ),
    )


def profile_counts(org: Organisation) -> dict[str, Counter]:
    """Sector, kind, establishment, political status and birth year of the subtree's active
    cadres, read from the tally (stats/tally.py): the organisation's own bucket rows, and
    each organisation's own members grouped by its sector."""
    counts: dict[str, Counter] = {
        k: Counter() for k in ("sector", "kind", "establishment", "political", "birth_year")
    }
    stmt = select(
        CadreTally.birth_year,
        CadreTally.cadre_kind,
        CadreTally.establishment,
        CadreTally.political_status,
        CadreTally.people,
    ).where(CadreTally.org_id == org.id, CadreTally.people != 0)
    for born, kind, establishment, political, n in db.session.execute(stmt):
        counts["birth_year"][born or None] += n
        counts["kind"][CadreKind(kind) if kind else None] += n
        counts["establishment"][Establishment(establishment) if establishment else None] += n
        counts["political"][PoliticalStatus(political) if political else None] += n
    sectors = (
        select(Organisation.sector, func.sum(OrgTally.own))
        .join(OrgTally, OrgTally.org_id == Organisation.id)
        .where(startswith(Organisation.path, org.path), OrgTally.own != 0)
        .group_by(Organisation.sector)
    )
    for sector, n in db.session.execute(sectors):
        if n:
            counts["sector"][sector] += int(n)
    return counts


def _age_rows(by_year: Counter) -> Table:
    year = clock.today().year
    counts: Counter[str] = Counter()
    for born, n in by_year.items():
        if born is None:
            counts[_("未填写")] += n
            continue
        counts[next(lbl for limit, lbl in AGE_BANDS if year - born <= limit)] += n
    rows = [(lbl, counts.get(lbl, 0)) for _limit, lbl in AGE_BANDS]
    if counts.get(_("未填写")):
        rows.append((_("未填写"), counts[_("未填写")]))
    return Table("age", _("年龄段"), rows)


def all_tables(org: Organisation) -> list[Table]:
    """Every figure of the statistics page, in the order it shows them."""
    out, into = transfers_table(org)
    c = profile_counts(org)
    return [
        region_table(org),
        _enum_table("sector", _("领域"), c["sector"], Sector),
        _enum_table("kind", _("干部类型"), c["kind"], CadreKind),
        _enum_table("establishment", _("编制"), c["establishment"], Establishment),
        _age_rows(c["birth_year"]),
        _enum_table("political", _("政治面貌"), c["political"], PoliticalStatus),
        tenure_table(org),
        out,
        into,
    ]
