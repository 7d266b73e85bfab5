"""Demo league work: notices with readers and replies, reports up the tree, liaison with gaps.

Written through the same services as the pages (so recipients, notifications and counts
are real). Idempotent: a second run finds the first demo notice and does nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from directory.core import time as clock
from directory.core.enums import OrgLevel
from directory.extensions import db
from directory.liaison import services as liaison
from directory.notices import services as notices
from directory.notices.models import Notice, NoticeRecipient
from directory.orgs.models import Organisation
from directory.people.models import Person, Position
from directory.reports import services as reports

FIRST_NOTICE = "关于做好年度团员教育评议工作的通知"


@dataclass
class LeagueStats:
    notices: int = 0
    reports: int = 0
    liaisons: int = 0


def seed(cadre: Person, boss: Person, city: Organisation, rng: random.Random) -> LeagueStats:
    """Notices from the city committee, reports from its branches, liaisons in its townships."""
    stats = LeagueStats()
    if db.session.scalar(select(Notice.id).where(Notice.title == FIRST_NOTICE)):
        return stats
    _notices(cadre, boss, city, rng, stats)
    _reports(cadre, boss, city, rng, stats)
    _liaisons(boss, city, rng, stats)
    return stats


def _notices(
    cadre: Person, boss: Person, city: Organisation, rng: random.Random, stats: LeagueStats
) -> None:
    deadline = (clock.now() + timedelta(days=14)).date()
    first = notices.send(
        boss,
        city,
        FIRST_NOTICE,
        "各县（区）团委、各直属团组织：\n\n请于**本月底前**完成团员教育评议，并回复完成情况。\n\n"
        "1. 召开支部大会；\n2. 逐人评议；\n3. 汇总上报。",
        deadline=deadline,
        reply_required=True,
    )
    second = notices.send(
        boss,
        city,
        "关于报送“青年文明号”创建材料的通知",
        "请各团支部整理本年度创建材料，按附件格式报送。",
        level=OrgLevel.BRANCH,
    )
    stats.notices += 2
    # About two thirds read the first notice, a quarter of them reply; 张彤 has not read it.
    ids = list(
        db.session.scalars(
            select(NoticeRecipient.person_id)
            .where(NoticeRecipient.notice_id == first.id, NoticeRecipient.person_id != cadre.id)
            .order_by(NoticeRecipient.person_id)
        )
    )
    readers = [pid for pid in ids if rng.random() < 0.66]
    for pid in readers:
        notices.mark_read(first.id, pid)
    people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(readers)))}
    for pid in readers[: max(1, len(readers) // 4)]:
        notices.reply(
            first, people[pid], rng.choice(("已完成评议。", "本周内完成。", "收到，正在组织。"))
        )
    second_ids = db.session.scalars(
        select(NoticeRecipient.person_id).where(NoticeRecipient.notice_id == second.id)
    ).all()
    for pid in second_ids[: len(second_ids) // 3]:
        notices.mark_read(second.id, pid)


def _branches_with_cadres(city: Organisation, limit: int) -> list[tuple[Organisation, Person]]:
    """Branches of the city with a cadre holding a confirmed current post there."""
    rows = db.session.execute(
        select(Organisation, Person)
        .join(Position, Position.organisation_id == Organisation.id)
        .join(Person, Person.id == Position.person_id)
        .where(
            Organisation.path.startswith(city.path),
            Organisation.level == OrgLevel.BRANCH,
            Organisation.dissolved_at.is_(None),
            Position.grants_access,
            Position.end_date.is_(None),
            Person.is_active_account.is_(True),
        )
        .order_by(Organisation.id, Person.id)
        .limit(limit * 4)
    ).all()
    seen: set[int] = set()
    out = []
    for org, person in rows:
        if org.id not in seen:
            seen.add(org.id)
            out.append((org, person))
    return out[:limit]


TOPICS = (
    ("社区开展“青春护河”志愿服务", "组织团员青年 30 余人清理河道垃圾，发放宣传资料 200 份。"),
    ("学校团委举办主题团日活动", "围绕“强国有我”开展主题团日，覆盖团员 400 余人。"),
    ("非公企业团支部组织技能比武", "比武设 5 个项目，12 名青年获评岗位能手。"),
    ("村团支部助力秋收", "青年突击队帮助 20 户留守老人抢收玉米。"),
    ("街道团工委开展青少年暑期安全教育", "邀请消防员讲解防溺水、防火知识。"),
)


def _reports(
    cadre: Person, boss: Person, city: Organisation, rng: random.Random, stats: LeagueStats
) -> None:
    submitted = []
    home = cadre.membership_org
    if home is not None and reports.can_submit_from(cadre, home):
        submitted.append(reports.submit(cadre, home, TOPICS[0][0], TOPICS[0][1]))
    for i, (org, person) in enumerate(_branches_with_cadres(city, 8)):
        title, body = TOPICS[(i + 1) % len(TOPICS)]
        submitted.append(reports.submit(person, org, title, body))
    stats.reports += len(submitted)
    # The city admin (an admin of every organisation below) handles most of them.
    for i, report in enumerate(submitted[1:]):
        if i % 4 == 0:
            reports.decide(
                boss,
                report,
                "adopt",
                "内容翔实，予以采用。",
                True,
                "该信息反映基层实效，建议采用。",
            )
            stats.reports += 1
        elif i % 4 == 1:
            reports.decide(boss, report, "adopt", "予以采用。")
        elif i % 4 == 2:
            reports.decide(boss, report, "return", "请补充活动照片和参与人数。")
        else:
            reports.decide(boss, report, "receive")


def _liaisons(boss: Person, city: Organisation, rng: random.Random, stats: LeagueStats) -> None:
    """In a few townships, members keep contact with about half of the branches below."""
    townships = db.session.scalars(
        select(Organisation)
        .where(
            Organisation.path.startswith(city.path),
            Organisation.level == OrgLevel.TOWNSHIP,
            Organisation.dissolved_at.is_(None),
        )
        .order_by(Organisation.id)
        .limit(40)
    ).all()
    done = 0
    for township in townships:
        members = liaison.committee_members(township)
        targets = liaison.targets(township)
        if not members or len(targets) < 2:
            continue
        for i, target in enumerate(targets[: (len(targets) + 1) // 2]):
            liaison.assign(boss, township, members[i % len(members)], target)
            stats.liaisons += 1
        done += 1
        if done >= 4:
            break
