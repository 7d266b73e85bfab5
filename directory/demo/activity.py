"""A lived-in demo: discussions, transfers in every state, and the notifications they raise.

Runs after `seed-demo` on its world, through the same services a user's clicks call (so
mentions, counters, notifications and the audit trail are all real). Idempotent: a second
run finds the demo groups and does nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sqlalchemy import select

from directory.core.enums import OrgLevel
from directory.core.errors import NotFound
from directory.demo import league_work
from directory.demo.people import DOMAIN
from directory.extensions import db
from directory.groups import membership, moderation, posts
from directory.groups import services as groups
from directory.groups.attachments import CheckedFile
from directory.groups.models import Group, GroupVisibility, JoinPolicy
from directory.groups.permissions import GroupAccess
from directory.orgs.models import Organisation
from directory.people.models import Person, Position
from directory.transfers import accepting
from directory.transfers import services as transfers
from directory.transfers.models import Transfer, TransferReason
from directory.web.links import offline_request

FIRST_GROUP = "南充青年工作交流群"

# A one-page PDF (valid enough for viewers; the attachment check looks at the magic bytes).
_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass
class ActivityStats:
    groups: int = 0
    threads: int = 0
    replies: int = 0
    transfers: int = 0
    notices: int = 0
    reports: int = 0
    liaisons: int = 0


def _account(local: str) -> Person:
    person = db.session.scalar(select(Person).where(Person.email == f"{local}@{DOMAIN}"))
    if person is None:
        raise NotFound(f"demo account {local}@{DOMAIN} is missing: run flask seed-demo first")
    return person


def _cadres_under(org: Organisation, exclude: set[int], n: int, rng: random.Random) -> list[Person]:
    """Up to `n` active people serving now in `org`'s subtree, drawn reproducibly."""
    rows = list(
        db.session.scalars(
            select(Person)
            .join(Position, Position.person_id == Person.id)
            .join(Organisation, Organisation.id == Position.organisation_id)
            .where(
                Organisation.path.startswith(org.path),
                Position.end_date.is_(None),
                Person.is_active_account.is_(True),
                Person.id.not_in(exclude),
            )
            .order_by(Person.id)
            .distinct()
            .limit(400)
        )
    )
    rng.shuffle(rows)
    return rows[:n]


def _mention(p: Person) -> str:
    return f"@{p.name}#{p.id}"


def seed_activity(seed: int = 2026) -> ActivityStats:
    """Write the demo's groups, threads and transfers (each step its own unit of work)."""
    stats = ActivityStats()
    rng = random.Random(seed)
    with offline_request():
        cadre, org_admin, admin = _account("cadre"), _account("orgadmin"), _account("admin")
        city = next(a.organisation for a in org_admin.admin_of)
        if not db.session.scalar(select(Group.id).where(Group.name == FIRST_GROUP)):
            taken = {cadre.id, org_admin.id, admin.id}
            locals_ = _cadres_under(city, taken, 24, rng)
            _discussions(cadre, org_admin, locals_, stats)
            _transfers(cadre, org_admin, admin, city, locals_[12:], rng, stats)
        # League work has its own marker, so a demo made before it existed gets it too.
        league = league_work.seed(cadre, org_admin, city, rng)
        stats.notices, stats.reports, stats.liaisons = (
            league.notices,
            league.reports,
            league.liaisons,
        )
    return stats


def _discussions(cadre: Person, boss: Person, people: list[Person], stats: ActivityStats) -> None:
    """Three groups: an open one with threads, replies, mentions, an attachment and a report;
    a members-only one run by 张彤 with join requests waiting; a hidden one inviting her."""
    a, b, c, d, e, f = people[:6]
    main = groups.create_group(
        boss,
        groups.GroupInput(
            name=FIRST_GROUP,
            description="南充市各级团干部交流工作、发布通知的群。请实名发言，文明交流。",
            join_policy=JoinPolicy.OPEN,
            visibility=GroupVisibility.PUBLIC,
            region_id=boss.admin_of[0].organisation.region_id,
        ),
    )
    for p in [cadre, *people[:10]]:
        membership.join(p, main, GroupAccess(p, main))
    access = GroupAccess(boss, main)
    training = posts.create_thread(
        boss,
        main,
        access,
        "2026年度基层团干部培训安排",
        "各位同志：\n\n今年的基层团干部培训定在 **12 月中旬**，为期三天，地点在市委党校。\n\n"
        f"请各县（市、区）团委于本周五前报送参训名单。{_mention(cadre)} 请顺庆区汇总社区团支部的名单。\n\n"
        "附件是培训日程，请查收。",
        files=[CheckedFile("2026年度培训日程.pdf", "application/pdf", _PDF)],
    )
    stats.threads += 1
    first = posts.reply(cadre, training, main, GroupAccess(cadre, main), "收到，周四前报送。")
    posts.reply(a, training, main, GroupAccess(a, main), "请问能否线上参加？我们乡镇离得远。")
    posts.reply(
        boss,
        training,
        main,
        access,
        f"{_mention(a)} 原则上线下参加，确有困难的可以报名线上分会场。",
        quote_of_id=first.id,
    )
    posts.reply(b, training, main, GroupAccess(b, main), "已报送，共 6 人。")
    stats.replies += 4
    volunteer = posts.create_thread(
        cadre,
        main,
        GroupAccess(cadre, main),
        "乡村振兴青年志愿服务项目征集",
        "大家好！我们社区准备组织青年志愿者参与乡村振兴项目，想听听各位的经验：\n\n"
        "- 项目怎么选？\n- 志愿者怎么招募和管理？\n\n"
        f"{_mention(c)} {_mention(d)} 你们去年的项目做得很好，能分享一下吗？",
    )
    stats.threads += 1
    posts.reply(c, volunteer, main, GroupAccess(c, main), "我们主要做留守儿童课后辅导，周末两次。")
    posts.reply(d, volunteer, main, GroupAccess(d, main), "建议先和村两委对接需求，再招募。")
    spam = posts.reply(e, volunteer, main, GroupAccess(e, main), "加我微信，有优惠的培训课程……")
    stats.replies += 3
    moderation.report_post(f, spam, main, GroupAccess(f, main), "广告，与工作无关")
    posts.create_thread(
        boss,
        main,
        access,
        "关于做好组织关系转接的提醒",
        "年底前请各基层团组织核对名册，需要转出的团员请在“组织关系转接”中发起，"
        "接收方请及时处理，超过 7 天系统会提醒。",
    )
    stats.threads += 1

    branch_group = groups.create_group(
        cadre,
        groups.GroupInput(
            name="顺庆区社区团支部书记群",
            description="顺庆区社区团支部书记的工作群，加入请说明所在支部。",
            join_policy=JoinPolicy.REQUEST,
            visibility=GroupVisibility.MEMBERS,
        ),
    )
    for p in people[6:8]:
        membership._add_member(branch_group, p.id, vetted=True)  # the moderator let them in
    db.session.commit()
    for p in people[8:10]:
        membership.request_to_join(
            p, branch_group, GroupAccess(p, branch_group), "我是社区团支部书记，申请加入。"
        )
    posts.create_thread(
        cadre,
        branch_group,
        GroupAccess(cadre, branch_group),
        "本月主题团日活动",
        "本月主题团日建议围绕“青春心向党”，各支部可以自选形式。",
    )
    stats.threads += 1

    hidden = groups.create_group(
        boss,
        groups.GroupInput(
            name="市委青年工作专班",
            description="专班内部协调群。",
            join_policy=JoinPolicy.INVITE,
            visibility=GroupVisibility.HIDDEN,
        ),
    )
    membership.invite(boss, hidden, GroupAccess(boss, hidden), cadre)
    stats.groups += 3


def _transfers(
    cadre: Person,
    boss: Person,
    admin: Person,
    city: Organisation,
    people: list[Person],
    rng: random.Random,
    stats: ActivityStats,
) -> None:
    """One transfer in each state, touching 南充 so its admin has work waiting."""
    # Members who administer nothing: their own request waits for an admin.
    movers = [p for p in people if p.membership_org_id is not None and not p.admin_of][:6]
    outside = db.session.scalars(
        select(Organisation)
        .where(
            Organisation.level == OrgLevel.BRANCH,
            Organisation.dissolved_at.is_(None),
            Organisation.path.not_like(f"{city.path}%"),
        )
        .order_by(Organisation.id)
        .limit(50)
    ).all()
    inside = db.session.scalars(
        select(Organisation)
        .where(
            Organisation.level == OrgLevel.BRANCH,
            Organisation.dissolved_at.is_(None),
            Organisation.path.like(f"{city.path}%"),
        )
        .order_by(Organisation.id)
        .limit(50)
    ).all()
    if len(movers) < 5 or not outside or not inside:
        return
    dest = [rng.choice(outside) for _ in movers]

    def version(t: Transfer) -> int:
        db.session.refresh(t)
        return t.version

    # Waiting for 南充's 转出 approval (the member asked).
    transfers.submit(movers[0], movers[0], dest[0], TransferReason.JOB, "工作调动，到新单位报到。")
    # 转出 approved, waiting for the receiving side.
    t = transfers.submit(movers[1], movers[1], dest[1], TransferReason.STUDY, "考取研究生。")
    transfers.approve_out(boss, t.id, version(t), "同意转出。")
    # Returned to the member with a reason.
    t = transfers.submit(movers[2], movers[2], dest[2], TransferReason.JOB, "调动")
    transfers.return_(boss, t.id, version(t), "请补充调动文件的文号。")
    # Withdrawn by the member.
    t = transfers.submit(movers[3], movers[3], dest[3], TransferReason.OTHER, "")
    transfers.withdraw(movers[3], t.id, version(t), "暂不调动。")
    # Completed: out of 南充 and accepted by the receiving side (the system admin here).
    t = transfers.submit(boss, movers[4], dest[4], TransferReason.JOB, "工作调动。")
    if t.state.value == "submitted":  # the requester administers the sending side
        transfers.approve_out(boss, t.id, version(t))
    accepting.accept_in(admin, t.id, version(t), note="欢迎！")
    stats.transfers += 5
    # Someone elsewhere moving into 南充: waiting for 南充 to accept.
    newcomer = db.session.scalar(
        select(Person)
        .join(Organisation, Organisation.id == Person.membership_org_id)
        .where(Organisation.path.not_like(f"{city.path}%"), Person.is_active_account.is_(True))
        .order_by(Person.id)
    )
    if newcomer is not None and newcomer.id not in {cadre.id, boss.id, admin.id}:
        t = transfers.submit(
            admin, newcomer, rng.choice(inside), TransferReason.JOB, "调入南充工作。"
        )
        if t.state.value == "submitted":
            transfers.approve_out(admin, t.id, version(t))
        stats.transfers += 1
