"""All models, importable from one place (Alembic and the app need them registered)."""

from directory.models.enums import (
    CadreKind,
    Establishment,
    Gender,
    OrgLevel,
    PoliticalStatus,
    RegionLevel,
    Sector,
    Visibility,
)
from directory.models.groups import (
    Group,
    GroupBan,
    GroupMember,
    GroupVisibility,
    JoinPolicy,
    JoinRequest,
    MemberRole,
    ModerationLog,
    NotificationSetting,
    RequestKind,
    RequestStatus,
)
from directory.models.notifications import Notification
from directory.models.organisations import Organisation
from directory.models.people import OrgAdmin, Person, Position
from directory.models.posts import Attachment, Post, PostReport, PostRevision, Thread
from directory.models.regions import Region
from directory.models.transfers import (
    Transfer,
    TransferBatch,
    TransferBatchFailure,
    TransferEvent,
    TransferReason,
    TransferState,
)

__all__ = [
    "Attachment",
    "CadreKind",
    "Establishment",
    "Gender",
    "Group",
    "GroupBan",
    "GroupMember",
    "GroupVisibility",
    "JoinPolicy",
    "JoinRequest",
    "MemberRole",
    "ModerationLog",
    "Notification",
    "NotificationSetting",
    "OrgAdmin",
    "OrgLevel",
    "Organisation",
    "Person",
    "PoliticalStatus",
    "Position",
    "Post",
    "PostReport",
    "PostRevision",
    "Region",
    "RegionLevel",
    "RequestKind",
    "RequestStatus",
    "Sector",
    "Thread",
    "Transfer",
    "TransferBatch",
    "TransferBatchFailure",
    "TransferEvent",
    "TransferReason",
    "TransferState",
    "Visibility",
]
