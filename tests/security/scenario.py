"""One small world in which every route has something real to act on.

Used by the permission matrix and the hostile-input sweep. The people are the
matrix's personas; `Scenario.targets` holds the ids each URL argument takes.

It is built once per test session into its own database (`prepare`), with every
persona signed in; each test module then gets a copy of that database (a file copy on
SQLite, `CREATE DATABASE ... TEMPLATE` on PostgreSQL) and the saved cookies, so no
module builds or signs in anything (see tests/security/conftest.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import Flask
from sqlalchemy import select

from directory.accounts import services as accounts
from directory.api import tokens as api_tokens
from directory.core.enums import PositionStatus
from directory.extensions import db
from directory.groups import membership
from directory.groups.models import (
    Group,
    GroupMember,
    GroupVisibility,
    JoinPolicy,
    JoinRequest,
    MemberRole,
)
from directory.groups.org_groups import sync_all_org_groups
from directory.groups.permissions import GroupAccess
from directory.groups.post_models import Post
from directory.people import services as people
from directory.people.models import Person, Position
from directory.transfers import services as transfers
from directory.transfers.models import TransferReason
from tests.factories import PASSWORD, World, make_person, make_world
from tests.groups.conftest import make_group, make_thread

# Column order of the matrix table.
PERSONAS = (
    "anonymous",
    "cadre",
    "claim",  # a cadre of another organisation with a pending claim in the target one
    "member",
    "moderator",
    "other_admin",
    "admin",
    "lower_admin",
    "sysadmin",
)

# Extra matrix lines (`RULE@variant`): the same rule aimed at other targets.
# "org-group": the target organisation's automatic group (members-only: its confirmed
# cadres), to show that a pending claim there opens nothing.
# "confirmed": the claim routes aimed at a confirmed position (nothing to decide).
VARIANT_ENDPOINTS = {
    "org-group": (
        "groups.show",
        "groups.members",
        "groups.new_thread",
        "groups.thread",
        "groups.reply",
        "groups.join",
        "groups.request_join",
        "groups.report",
        "groups.post_fragment",
        "groups.leave",
        "groups.edit_post",
        "groups.history",
    ),
    "confirmed": ("people.confirm_claim", "people.reject_claim"),
    # "pending": the position routes aimed at the claimant's pending claim on their own
    # profile: the claimant may still edit, end or withdraw it; admins of the branch and
    # above end or delete it without rewriting it; the admin of the claimant's own
    # organisation (Chengdu) administers the claimant.
    "pending": (
        "people.edit_position",
        "people.end_position",
        "people.delete_position",
        "people.positions",
    ),
}


@dataclass
class Scenario:
    # Persona (and "owner", the group's owner, used by the sweep) -> person id.
    people: dict[str, int]
    # Persona -> the cookies of its signed-in client.
    cookies: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    # URL argument -> value, per persona ("*" for everyone unless overridden) or endpoint.
    targets: dict[str, dict[str, object]] = field(default_factory=dict)
    # Variant -> URL argument -> value (applied last).
    variants: dict[str, dict[str, object]] = field(default_factory=dict)
    # POST data per endpoint: valid input, so the permission check (not the form's
    # validation) decides. Endpoints not listed are posted empty.
    forms: dict[str, dict[str, str]] = field(default_factory=dict)

    def values(self, persona: str, endpoint: str, variant: str = "") -> dict[str, object]:
        """The URL arguments this persona's request to `endpoint` uses."""
        return {
            **self.targets["*"],
            **self.targets.get(persona, {}),
            **self.targets.get(endpoint, {}),
            **(self.variants[variant] if variant else {}),
        }


def build(app: Flask) -> Scenario:
    """Create the world and the scenario (committed) and sign every persona in."""
    with app.test_request_context("/"):
        scenario = _build()
    db.session.remove()
    for persona, person_id in scenario.people.items():
        person = db.session.get(Person, person_id)
        assert person is not None
        client = app.test_client()
        login(client, person)
        scenario.cookies[persona] = [(c.key, c.value) for c in client._cookies.values()]
        db.session.remove()
    return scenario


def _build() -> Scenario:
    world = make_world()
    start = date(2021, 1, 1)
    cadre = make_person(
        name="张彤",
        membership_org_id=world.branch.id,
        positions=[(world.branch, "委员", start, None)],
    )
    # The claimant: a confirmed cadre in Chengdu who claims a post in the target
    # organisation (the branch) through the real form's service: pending, announced.
    claimant = make_person(
        name="黄磊",
        membership_org_id=world.chengdu_org.id,
        positions=[(world.chengdu_org, "委员", start, None)],
    )
    claim = people.add_position(claimant, claimant, world.branch, "副书记", start)
    assert claim.status == PositionStatus.PENDING and not claim.grants_access
    # The claimant's twin: the same confirmed post in Chengdu, no claim. Not a column:
    # the matrix asks every line as the twin too and wants the claimant's answer, so a
    # pending claim is shown to grant nothing at all (tests/security/test_matrix.py).
    twin = make_person(
        name="黄蕾",
        membership_org_id=world.chengdu_org.id,
        positions=[(world.chengdu_org, "委员", start, None)],
    )
    owner = make_person(name="陈红", membership_org_id=world.street_org.id)
    member = make_person(name="刘洋", membership_org_id=world.street_org.id)
    moderator = make_person(name="孙悦", membership_org_id=world.street_org.id)
    other_admin = make_person(
        name="赵丽", membership_org_id=world.chengdu_org.id, admin_of=[world.chengdu_org]
    )
    admin = make_person(
        name="李明", membership_org_id=world.county_org.id, admin_of=[world.county_org]
    )
    lower_admin = make_person(
        name="周强", membership_org_id=world.street_org.id, admin_of=[world.street_org]
    )
    sysadmin = make_person(name="王强", is_admin=True)
    # The target person: a cadre in the branch with a position; the higher account is an
    # admin of the city committee whose membership lies inside the lower admin's subtree.
    target = make_person(
        name="吴敏",
        membership_org_id=world.branch.id,
        positions=[(world.branch, "书记", start, None)],
    )
    higher = make_person(
        name="郑华",
        membership_org_id=world.branch.id,
        admin_of=[world.city_org],
        positions=[(world.city_org, "副书记", start, None)],
    )
    invitee = make_person(name="钱多", membership_org_id=world.branch.id, password_hash=None)
    group = make_group(
        owner,
        "顺庆青年工作群",
        JoinPolicy.REQUEST,
        GroupVisibility.PUBLIC,
        members=(member, moderator),
    )
    row = db.session.scalar(
        select(GroupMember).where(
            GroupMember.group_id == group.id, GroupMember.person_id == moderator.id
        )
    )
    assert row is not None
    row.role = MemberRole.MODERATOR
    db.session.commit()
    thread = make_thread(owner, group, "工作交流", "大家好")
    member_thread = make_thread(member, group, "刘洋的帖子", "内容")
    post = db.session.scalar(select(Post).where(Post.thread_id == member_thread.id))
    assert post is not None
    membership.request_to_join(target, group, GroupAccess(target, group), "我想加入")
    join_request = db.session.scalar(select(JoinRequest).where(JoinRequest.group_id == group.id))
    assert join_request is not None
    # The automatic groups of every organisation (members: its confirmed current cadres,
    # so the branch's holds 张彤 and 吴敏, not the claimant), and a thread in the branch's.
    sync_all_org_groups()
    org_group = db.session.scalar(select(Group).where(Group.auto_org_id == world.branch.id))
    assert org_group is not None
    org_thread = make_thread(cadre, org_group, "支部通知", "本周五开会")
    org_post = db.session.scalar(select(Post).where(Post.thread_id == org_thread.id))
    assert org_post is not None
    transfer = transfers.submit(
        target, target, world.chengdu_org, TransferReason.JOB, "工作调动到成都"
    )
    position = db.session.scalar(select(Position).where(Position.person_id == target.id))
    higher_position = db.session.scalar(select(Position).where(Position.person_id == higher.id))
    assert position is not None and higher_position is not None
    token = accounts.invitation_token(invitee)
    api_token = api_tokens.create_token(target, "报表", ["read"], 30).token
    db.session.commit()
    league = _league_work(world, cadre, admin, lower_admin, target)
    persons = {
        "cadre": cadre,
        "claim": claimant,
        "twin": twin,  # not a column: the claimant without the claim
        "member": member,
        "moderator": moderator,
        "other_admin": other_admin,
        "admin": admin,
        "lower_admin": lower_admin,
        "sysadmin": sysadmin,
        "owner": owner,  # not a matrix column: the hostile-input sweep posts group forms as them
    }
    everyone: dict[str, object] = {
        "person_id": target.id,
        "position_id": position.id,
        "org_id": world.branch.id,
        "group_id": group.id,
        "thread_id": thread.id,
        "post_id": post.id,
        "request_id": join_request.id,
        "transfer_id": transfer.id,
        "action": "approve",
        "batch_id": 1,  # none exists: 404 for everyone (no batch in this scenario)
        "attachment_id": 1,  # none exists: 404 for everyone
        "job_id": 999_999,  # none exists (the notice has job 1): 404 for everyone signed in (tests/jobs covers owners)
        "filename": "a.pdf",
        "code": "511302",
        "ext": "xlsx",
        "key": "kind",
        "check": "stale",
        "token": token,
        "token_id": api_token.id,  # a personal access token of the target person
        **league,
    }
    return Scenario(
        people={k: p.id for k, p in persons.items()},
        targets={
            "*": everyone,
            # Lower admin against a higher account: the person routes aim at `higher`.
            "lower_admin": {"person_id": higher.id, "position_id": higher_position.id},
            "main.language": {"code": "en"},
            # Member routes aim at a member of the group.
            "groups.role": {"person_id": member.id},
            "groups.remove": {"person_id": member.id},
            "groups.hand_over": {"person_id": member.id},
            # Liaison pages are a committee's (the street committee).
            "liaison.committee": {"org_id": world.street_org.id},
            "liaison.assign": {"org_id": world.street_org.id},
            # The claims queue's actions aim at the pending claim in the target organisation.
            "people.confirm_claim": {"position_id": claim.id},
            "people.reject_claim": {"position_id": claim.id},
        },
        variants={
            "org-group": {
                "group_id": org_group.id,
                "thread_id": org_thread.id,
                "post_id": org_post.id,
            },
            "confirmed": {"position_id": position.id},
            "pending": {"person_id": claimant.id, "position_id": claim.id},
        },
        forms={
            "groups.decide": {"decision": "approve"},
            "groups.moderate_post": {"action": "hide"},
            "groups.thread_flags": {"flag": "pinned", "value": "1"},
            "groups.role": {"role": "moderator"},
            "groups.new_thread": {"title": "标题", "body": "内容"},
            "groups.reply": {"body": "回复"},
            "groups.edit_post": {"body": "改过的内容"},
            "groups.report": {"reason": "广告"},
            "groups.invite": {"person": str(cadre.id)},
            "admin.set_active": {"active": "0"},
            "admin.set_admin": {"admin": "1"},
            "transfers.act": {"version": str(transfer.version)},
            "people.reject_claim": {"reason": "查无此职务"},
            "notices.reply": {"reply": "收到"},
            "notices.remind": {"org": str(world.county_org.id)},
            "reports.decide": {"action": "receive"},
        },
    )


def _league_work(
    world: World, cadre: Person, admin: Person, lower_admin: Person, target: Person
) -> dict[str, int]:
    """A notice from the county (reaching the cadre), a report from the branch, a liaison,
    and the county admin's saved list holding the target."""
    from directory.liaison.models import LiaisonAssignment
    from directory.lists import services as lists
    from directory.notices import services as notices
    from directory.reports import services as reports

    notice = notices.send(admin, world.county_org, "通知", "内容")
    report = reports.submit(cadre, world.branch, "信息", "内容")
    assignment = LiaisonAssignment(
        committee_id=world.street_org.id, member_id=lower_admin.id, target_org_id=world.branch.id
    )
    db.session.add(assignment)
    db.session.commit()
    # A saved list of the district admin's holding the target person (吴敏).
    saved = lists.create(admin, "重点联系人")
    lists.add_person(admin, saved, target)
    return {
        "notice_id": notice.id,
        "report_id": report.id,
        "photo_id": 1,  # none exists: 404 for everyone
        "assignment_id": assignment.id,
        "list_id": saved.id,
    }


def login(client, person: Person) -> None:  # type: ignore[no-untyped-def]
    """Sign a client in through the real form."""
    r = client.post("/auth/login", data={"email": person.email, "password": PASSWORD})
    assert r.status_code == 302, f"{person.name} could not sign in"
