"""Coverage counters (notice_tally) stay exactly what counting the recipient rows gives.

After every change a recipient row can see — delivery, reading, replying, reminders, a
recipient deactivated or moved to another organisation, a row deleted, a bulk update — the
coverage of every organisation of the notice's subtree (its totals, its own cadres and each
child's row) is compared with a recount of the rows, rolled up along the organisations' paths.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import delete, func, select, update

from directory.accounts.admin import set_active
from directory.extensions import db
from directory.notices import services
from directory.notices.delivery import deliver
from directory.notices.models import Notice, NoticeRecipient, NoticeTally
from directory.orgs.models import Organisation
from directory.people import services as people
from directory.people.models import Position
from tests.factories import make_person
from tests.notices.conftest import START, League

Counts = tuple[int, int, int]  # recipients, read, replied


def _send(league: League, org: Organisation | None = None, **options) -> Notice:
    sender = league.street_admin if org is league.world.street_org else league.county_admin
    notice = services.send(
        sender, org or league.world.county_org, "关于开展调研的通知", "请参加。", **options
    )
    db.session.expire_all()
    return db.session.get(Notice, notice.id)


def _recount(notice: Notice) -> tuple[dict[int, Counts], dict[int, Counts]]:
    """From the recipient rows: (subtree counts, own counts) per organisation."""
    subtree: dict[int, Counter] = {}
    own: dict[int, Counter] = {}
    rows = db.session.execute(
        select(NoticeRecipient.read_at, NoticeRecipient.replied_at, Organisation.path)
        .join(Organisation, Organisation.id == NoticeRecipient.org_id)
        .where(NoticeRecipient.notice_id == notice.id)
    ).all()
    top = notice.org.path
    for read_at, replied_at, path in rows:
        assert path.startswith(top)
        ids = [int(p) for p in path.strip("/").split("/")]
        mine = Counter(n=1, read=read_at is not None, replied=replied_at is not None)
        own.setdefault(ids[-1], Counter()).update(mine)
        for org_id in ids[len(notice.org.ancestor_ids) - 1 :]:
            subtree.setdefault(org_id, Counter()).update(mine)

    def flat(d: dict[int, Counter]) -> dict[int, Counts]:
        return {k: (c["n"], c["read"], c["replied"]) for k, c in d.items()}

    return flat(subtree), flat(own)


def _check(notice: Notice) -> dict[int, Counts]:
    """Every organisation's coverage equals the recount; returns the subtree counts."""
    db.session.expire_all()
    subtree, own = _recount(notice)
    orgs = db.session.scalars(
        select(Organisation).where(Organisation.path.startswith(notice.org.path))
    ).all()
    for org in orgs:
        cov = services.coverage(notice, org)
        got = (cov.total.total, cov.total.read, cov.total.replied)
        assert got == subtree.get(org.id, (0, 0, 0)), org.name
        assert (cov.own.total, cov.own.read, cov.own.replied) == own.get(org.id, (0, 0, 0))
        children = {r.org.id: (r.total, r.read, r.replied) for r in cov.rows if r.org}
        expected = {o.id: subtree[o.id] for o in orgs if o.parent_id == org.id and o.id in subtree}
        assert children == expected, org.name
    # No counter outside the notice's subtree, none for another notice.
    outside = db.session.scalar(
        select(func.count())
        .select_from(NoticeTally)
        .join(Organisation, Organisation.id == NoticeTally.org_id)
        .where(
            NoticeTally.notice_id == notice.id,
            ~Organisation.path.startswith(notice.org.path),
        )
    )
    assert outside == 0
    return subtree


def test_delivery_counts_the_subtree(league):
    notice = _send(league)
    counts = _check(notice)
    w = league.world
    assert counts[w.county_org.id] == (6, 0, 0)
    assert counts[w.street_org.id] == (5, 0, 0)
    assert counts[w.branch.id] == (3, 0, 0)  # c is counted once, through the branch
    assert w.province_org.id not in counts  # above the sender: no counter
    deliver(notice.id)  # a second run adds nothing
    assert _check(notice) == counts


def test_reading_and_replying(league):
    notice = _send(league, reply_required=True)
    w = league.world
    assert services.mark_read(notice.id, league.a.id)
    assert not services.mark_read(notice.id, league.a.id)  # already read: no change
    _check(notice)
    services.reply(notice, league.b, "收到")  # unread: counts as read and replied
    services.reply(notice, league.a, "收到")  # read already: replied only
    services.reply(notice, league.a, "收到，已安排")  # a later reply replaces it
    counts = _check(notice)
    assert counts[w.branch.id] == (3, 2, 2)
    assert counts[w.county_org.id] == (6, 2, 2)
    services.mark_read(notice.id, league.county_admin.id)  # the sender's own level
    counts = _check(notice)
    assert counts[w.county_org.id] == (6, 3, 2) and counts[w.street_org.id] == (5, 2, 2)


def test_reminders_change_no_count(league, auth, client):
    notice = _send(league)
    services.mark_read(notice.id, league.a.id)
    before = _check(notice)
    auth.login(league.county_admin)
    r = client.post(f"/notices/{notice.id}/remind", data={"org": str(league.world.county_org.id)})
    assert r.status_code == 303
    reminded = db.session.scalar(
        select(func.count())
        .select_from(NoticeRecipient)
        .where(NoticeRecipient.notice_id == notice.id, NoticeRecipient.reminded_at.is_not(None))
    )
    assert reminded == 5  # everyone but a
    assert _check(notice) == before


def test_recipient_deactivated_or_moved(league, admin):
    notice = _send(league)
    w = league.world
    before = _check(notice)
    # Deactivated: still a recipient (the notice reached them), still counted.
    set_active(admin, league.b.id, False)
    assert _check(notice) == before
    # Moved: the branch post ends, a new one starts in Chengdu. The row keeps the branch it
    # was delivered through, and reading afterwards counts there.
    post = db.session.scalar(select(Position).where(Position.person_id == league.a.id))
    people.end_position(league.street_admin, post, date(2026, 1, 1))
    db.session.add(
        Position(
            person_id=league.a.id,
            organisation_id=w.chengdu_org.id,
            title="委员",
            start_date=date(2026, 1, 2),
            status=post.status,
        )
    )
    db.session.commit()
    assert _check(notice) == before
    services.mark_read(notice.id, league.a.id)
    counts = _check(notice)
    assert counts[w.branch.id] == (3, 1, 0)
    # A later notice reaches a where they are now (outside this subtree): no row, no count.
    later = _send(league)
    assert services.recipient_row(later.id, league.a.id) is None
    assert _check(later)[w.branch.id] == (1, 0, 0)  # c (b is deactivated: not reached)


def test_deleted_rows_and_bulk_updates(league):
    notice = _send(league, reply_required=True)
    other = _send(league)  # a second notice's counters are its own
    services.reply(notice, league.b, "收到")
    # A recipient row deleted (what deleting the person cascades to).
    db.session.execute(
        delete(NoticeRecipient).where(
            NoticeRecipient.notice_id == notice.id, NoticeRecipient.person_id == league.b.id
        )
    )
    db.session.commit()
    counts = _check(notice)
    assert counts[league.world.branch.id] == (2, 0, 0)
    # One statement over many rows, read and then unread again.
    db.session.execute(
        update(NoticeRecipient)
        .where(NoticeRecipient.notice_id == notice.id)
        .values(read_at=func.current_timestamp())
    )
    db.session.commit()
    assert _check(notice)[league.world.county_org.id] == (5, 5, 0)
    db.session.execute(
        update(NoticeRecipient)
        .where(NoticeRecipient.notice_id == notice.id, NoticeRecipient.person_id != league.c.id)
        .values(read_at=None)
    )
    db.session.commit()
    assert _check(notice)[league.world.county_org.id] == (5, 1, 0)
    assert _check(other)[league.world.county_org.id] == (6, 0, 0)


def test_a_notice_from_an_intermediate_level(league):
    w = league.world
    newcomer = make_person(name="新人", positions=[(league.branch2, "委员", START, None)])
    notice = _send(league, org=w.street_org)
    counts = _check(notice)
    assert counts == {
        w.street_org.id: (6, 0, 0),
        w.branch.id: (3, 0, 0),
        league.branch2.id: (1, 0, 0),
    }
    services.mark_read(notice.id, newcomer.id)
    assert _check(notice)[w.street_org.id] == (6, 1, 0)
