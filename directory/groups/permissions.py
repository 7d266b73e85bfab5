"""Who may see and do what in groups: the one visibility predicate, as SQL conditions.

Every list, count, feed, notification and search result about groups or posts
filters with `visible_groups` / `readable_groups` / `readable_posts`, so an
aggregate view cannot show what the group page would refuse (a hidden group
does not exist for outsiders; members-only content stays with members).
System admins see every group (they answer for the whole directory).
"""

from __future__ import annotations

from functools import cached_property

from sqlalchemy import ColumnElement, and_, false, or_, select, true

from directory.extensions import db
from directory.groups.models import (
    Group,
    GroupBan,
    GroupMember,
    GroupVisibility,
    JoinPolicy,
    JoinRequest,
    MemberRole,
    RequestKind,
    RequestStatus,
)
from directory.groups.post_models import Post, Thread
from directory.orgs.models import Organisation
from directory.orgs.permissions import is_org_admin
from directory.people.models import Person


def _signed_in(viewer: Person | None) -> bool:
    return viewer is not None and viewer.is_authenticated


def _member_group_ids(viewer: Person):
    return select(GroupMember.group_id).where(GroupMember.person_id == viewer.id)


def visible_groups(viewer: Person | None) -> ColumnElement[bool]:
    """SQL: groups whose existence the viewer may know (not hidden, or member/invited)."""
    if not _signed_in(viewer):
        return false()
    assert viewer is not None
    if viewer.is_admin:
        return true()
    invited = select(JoinRequest.group_id).where(
        JoinRequest.person_id == viewer.id,
        JoinRequest.kind == RequestKind.INVITATION,
        JoinRequest.status == RequestStatus.PENDING,
    )
    return or_(
        Group.visibility != GroupVisibility.HIDDEN,
        Group.id.in_(_member_group_ids(viewer)),
        Group.id.in_(invited),
    )


def readable_groups(viewer: Person | None) -> ColumnElement[bool]:
    """SQL: groups whose roster and discussions the viewer may read."""
    if not _signed_in(viewer):
        return false()
    assert viewer is not None
    if viewer.is_admin:
        return true()
    conditions = [
        Group.visibility == GroupVisibility.PUBLIC,
        Group.id.in_(_member_group_ids(viewer)),
    ]
    paths = [a.organisation.path for a in viewer.admin_of]
    if paths:
        # Organisation admins read the automatic groups of their subtree (they moderate them).
        subtree = select(Organisation.id).where(
            or_(*[Organisation.path.startswith(p) for p in paths])
        )
        conditions.append(Group.auto_org_id.in_(subtree))
    return or_(*conditions)


def readable_posts(viewer: Person | None) -> ColumnElement[bool]:
    """SQL on Post (joined to Thread): live posts in live threads of readable groups."""
    if not _signed_in(viewer):
        return false()
    assert viewer is not None
    readable_ids = select(Group.id).where(readable_groups(viewer))
    return and_(
        Post.group_id.in_(readable_ids),
        Post.deleted_at.is_(None),
        Post.hidden_at.is_(None),
        Thread.deleted_at.is_(None),
    )


def readable_group_ids(viewer: Person | None, group_ids: set[int]) -> set[int]:
    """Of `group_ids`, those the viewer may read (one query), e.g. for search filters."""
    if not group_ids:
        return set()
    return set(
        db.session.scalars(select(Group.id).where(Group.id.in_(group_ids), readable_groups(viewer)))
    )


class GroupAccess:
    """The viewer's standing in one group, loaded once per request (two small queries)."""

    def __init__(self, viewer: Person | None, group: Group) -> None:
        self.viewer = viewer
        self.group = group
        self.membership: GroupMember | None = None
        self.banned = False
        self.pending_request = False
        self.pending_invitation: JoinRequest | None = None
        if _signed_in(viewer):
            assert viewer is not None
            self.membership = db.session.scalar(
                select(GroupMember).where(
                    GroupMember.group_id == group.id, GroupMember.person_id == viewer.id
                )
            )
            if self.membership is None:
                self.banned = (
                    db.session.scalar(
                        select(GroupBan.id).where(
                            GroupBan.group_id == group.id, GroupBan.person_id == viewer.id
                        )
                    )
                    is not None
                )
                pending = db.session.scalars(
                    select(JoinRequest).where(
                        JoinRequest.group_id == group.id,
                        JoinRequest.person_id == viewer.id,
                        JoinRequest.status == RequestStatus.PENDING,
                    )
                ).all()
                for req in pending:
                    if req.kind == RequestKind.REQUEST:
                        self.pending_request = True
                    else:
                        self.pending_invitation = req

    @property
    def is_member(self) -> bool:
        return self.membership is not None

    @cached_property
    def is_admin(self) -> bool:
        return bool(self.viewer is not None and _signed_in(self.viewer) and self.viewer.is_admin)

    @property
    def is_owner(self) -> bool:
        return self.membership is not None and self.membership.role == MemberRole.OWNER

    @cached_property
    def can_see(self) -> bool:
        """The group exists for the viewer (else every URL answers 404)."""
        if not _signed_in(self.viewer):
            return False
        return (
            self.group.visibility != GroupVisibility.HIDDEN
            or self.is_member
            or self.is_admin
            or self.pending_invitation is not None
        )

    @cached_property
    def can_read(self) -> bool:
        """May read the roster and the discussions."""
        if not _signed_in(self.viewer):
            return False
        return (
            self.group.visibility == GroupVisibility.PUBLIC
            or self.is_member
            or self.is_admin
            or (self.group.is_automatic and self.can_moderate)
        )

    @property
    def can_post(self) -> bool:
        return self.is_member

    @cached_property
    def can_moderate(self) -> bool:
        """Owner, appointed moderators, system admins; org admins for an automatic group."""
        if self.is_admin:
            return True
        if self.membership is not None and self.membership.role in (
            MemberRole.OWNER,
            MemberRole.MODERATOR,
        ):
            return True
        org = self.group.auto_org
        return org is not None and is_org_admin(self.viewer, org)

    @property
    def can_join_directly(self) -> bool:
        return (
            not self.is_member
            and not self.banned
            and not self.group.is_automatic
            and self.group.join_policy == JoinPolicy.OPEN
        )

    @property
    def can_request(self) -> bool:
        return (
            not self.is_member
            and not self.banned
            and not self.group.is_automatic
            and self.group.join_policy == JoinPolicy.REQUEST
            and not self.pending_request
        )

    @property
    def can_leave(self) -> bool:
        return self.is_member and not self.is_owner and not self.group.is_automatic
