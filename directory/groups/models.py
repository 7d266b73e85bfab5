"""Groups (群组): membership, join requests and invitations, bans, moderation log, settings."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.core.enums import LabelledEnum, enum_type
from directory.extensions import Model
from directory.orgs.models import Organisation
from directory.people.models import Person
from directory.regions.models import Region


class JoinPolicy(LabelledEnum):
    """How people join a group."""

    OPEN = "open"
    REQUEST = "request"
    INVITE = "invite"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {"open": _l("公开加入"), "request": _l("申请加入"), "invite": _l("仅限邀请")}


class GroupVisibility(LabelledEnum):
    """What outsiders see: everything, only that the group exists, or nothing."""

    PUBLIC = "public"
    MEMBERS = "members"
    HIDDEN = "hidden"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "public": _l("公开（非成员可看成员和讨论）"),
            "members": _l("仅成员（非成员只能看到群组简介）"),
            "hidden": _l("隐藏（非成员看不到此群组）"),
        }


class MemberRole(LabelledEnum):
    OWNER = "owner"
    MODERATOR = "moderator"
    MEMBER = "member"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "owner": _l("群主"),
            "moderator": lazy_pgettext("group role", "管理员"),
            "member": _l("成员"),
        }


class RequestKind(LabelledEnum):
    REQUEST = "request"
    INVITATION = "invitation"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {"request": _l("加入申请"), "invitation": _l("邀请")}


class RequestStatus(LabelledEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "pending": _l("待处理"),
            "approved": _l("已同意"),
            "declined": _l("已拒绝"),
            "withdrawn": _l("已撤回"),
        }


class Group(Model):
    """A group of cadres. `org_id` set means the automatic group of that organisation."""

    __tablename__ = "group"
    __table_args__ = (Index("ix_group_visibility_activity", "visibility", "last_activity_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    join_policy: Mapped[JoinPolicy] = mapped_column(enum_type(JoinPolicy), default=JoinPolicy.OPEN)
    visibility: Mapped[GroupVisibility] = mapped_column(
        enum_type(GroupVisibility), default=GroupVisibility.PUBLIC
    )
    region_id: Mapped[int | None] = mapped_column(
        ForeignKey("region.id", ondelete="SET NULL"), index=True
    )
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL"), index=True
    )
    # The organisation whose automatic group this is (one per organisation).
    auto_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="CASCADE"), unique=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    member_count: Mapped[int] = mapped_column(default=0)
    thread_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    last_activity_at: Mapped[datetime] = mapped_column(server_default=func.now())

    region: Mapped[Region | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship(foreign_keys=[organisation_id])
    auto_org: Mapped[Organisation | None] = relationship(foreign_keys=[auto_org_id])

    @property
    def is_automatic(self) -> bool:
        return self.auto_org_id is not None

    def __repr__(self) -> str:
        return f"<Group {self.id} {self.name}>"


class GroupMember(Model):
    __tablename__ = "group_member"
    __table_args__ = (UniqueConstraint("group_id", "person_id", name="group_member_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    role: Mapped[MemberRole] = mapped_column(enum_type(MemberRole), default=MemberRole.MEMBER)
    # Let in by someone (owner, approved request, accepted invitation, confirmed post):
    # only vetted members count as colleagues for contact privacy. Open joins are not.
    vetted: Mapped[bool] = mapped_column(default=False)
    joined_at: Mapped[datetime] = mapped_column(server_default=func.now())

    person: Mapped[Person] = relationship()
    group: Mapped[Group] = relationship()


class GroupBan(Model):
    __tablename__ = "group_ban"
    __table_args__ = (UniqueConstraint("group_id", "person_id", name="group_ban_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class JoinRequest(Model):
    """A request to join, or an invitation; kept after the decision as history."""

    __tablename__ = "group_join_request"
    __table_args__ = (Index("ix_group_join_request_group_status", "group_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    kind: Mapped[RequestKind] = mapped_column(enum_type(RequestKind))
    status: Mapped[RequestStatus] = mapped_column(
        enum_type(RequestStatus), default=RequestStatus.PENDING
    )
    message: Mapped[str] = mapped_column(String(500), default="")
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    decided_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    group: Mapped[Group] = relationship()


class ModerationLog(Model):
    """One moderator action; never edited or deleted."""

    __tablename__ = "group_moderation_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("group.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    target_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL")
    )
    thread_id: Mapped[int | None]
    post_id: Mapped[int | None]
    detail: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    actor: Mapped[Person | None] = relationship(foreign_keys=[actor_id])
    target: Mapped[Person | None] = relationship(foreign_keys=[target_person_id])


class NotificationSetting(Model):
    """A person's choice for one kind of group notification (absent row = defaults)."""

    __tablename__ = "group_notification_setting"
    __table_args__ = (UniqueConstraint("person_id", "kind", name="group_notification_person_kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    in_app: Mapped[bool] = mapped_column(default=True)
    email: Mapped[bool] = mapped_column(default=False)
