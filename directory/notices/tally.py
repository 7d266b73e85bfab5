"""The coverage counters of a notice (`NoticeTally`): written at delivery, read by coverage.

Delivery writes one row per organisation between the notice's organisation and each
organisation a recipient was reached through, with the counts of its whole subtree, in one
INSERT ... SELECT: the recipients grouped by organisation, each group added to every
organisation on its materialised path ("/1/7/42/" -> 1, 7, 42), keeping those at or below the
notice's organisation. Afterwards triggers keep the counts current (models.py). The coverage
of a part of the tree then reads its own row and its children's rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, text

from directory.extensions import db
from directory.notices.models import Notice, NoticeTally
from directory.orgs.models import Organisation

# The recipients grouped by the organisation they were reached through.
_GROUPS = (
    "SELECT org_id, count(*) AS n, count(read_at) AS r, count(replied_at) AS p "
    "FROM notice_recipient WHERE notice_id = :notice_id GROUP BY org_id"
)
# Each group added to the organisations of its path from the notice's organisation down
# (`depth`: how many organisations stand above the notice's one).
_WRITE = {
    "sqlite": (
        "INSERT INTO notice_tally (notice_id, org_id, recipients, read_count, replied_count) "
        "SELECT :notice_id, a.value, sum(g.n), sum(g.r), sum(g.p) "
        f"FROM ({_GROUPS}) AS g JOIN organisation AS o ON o.id = g.org_id, "
        "json_each('[' || replace(trim(o.path, '/'), '/', ',') || ']') AS a "
        "WHERE a.key >= :depth GROUP BY a.value"
    ),
    "postgresql": (
        "INSERT INTO notice_tally (notice_id, org_id, recipients, read_count, replied_count) "
        "SELECT :notice_id, a.id, sum(g.n), sum(g.r), sum(g.p) "
        f"FROM ({_GROUPS}) AS g JOIN organisation AS o ON o.id = g.org_id "
        "CROSS JOIN LATERAL unnest(string_to_array(trim(both '/' from o.path), '/')::integer[]) "
        "WITH ORDINALITY AS a(id, pos) "
        "WHERE a.pos > :depth GROUP BY a.id"
    ),
}


def write(notice: Notice) -> None:
    """Count the notice's recipients into its tallies (once, right after writing them)."""
    sql = _WRITE[db.session.get_bind().dialect.name]
    depth = len(notice.org.ancestor_ids) - 1
    db.session.execute(text(sql), {"notice_id": notice.id, "depth": depth})


@dataclass
class Counts:
    """Recipients, read and replied in one organisation's subtree."""

    org: Organisation
    recipients: int
    read: int
    replied: int


def part(notice_id: int, org: Organisation) -> tuple[Counts | None, list[Counts]]:
    """The tally of `org`'s subtree and those of its children (only those with recipients).

    One query over at most 1 + children rows, found through the organisation tree's
    parent index and the tally's primary key.
    """
    rows = db.session.execute(
        select(
            Organisation,
            NoticeTally.recipients,
            NoticeTally.read_count,
            NoticeTally.replied_count,
        )
        .join(NoticeTally, NoticeTally.org_id == Organisation.id)
        .where(
            NoticeTally.notice_id == notice_id,
            (Organisation.id == org.id) | (Organisation.parent_id == org.id),
        )
    ).all()
    own: Counts | None = None
    children: list[Counts] = []
    for o, recipients, read, replied in rows:
        counts = Counts(o, recipients, read, replied)
        if o.id == org.id:
            own = counts
        else:
            children.append(counts)
    return own, children
