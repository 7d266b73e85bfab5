"""The API's request and response models (pydantic); spectree turns them into the description."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from directory.core.numbers import MAX_ID


class Strict(BaseModel):
    """A request body: unknown fields are refused (a typo must not pass silently).
    Query models ignore unknown arguments instead (`?lang=en` works everywhere)."""

    model_config = ConfigDict(extra="forbid")


class PageLinks(BaseModel):
    next: str | None = Field(None, description="The URL of the next page, when there is one")


class OrgRef(BaseModel):
    id: int
    name: str
    region: str = Field(description="Division code of the organisation's region")


class PositionOut(BaseModel):
    id: int
    organisation: OrgRef
    region: str = Field(description="Division code of the organisation's region")
    title: str
    start: date
    end: date | None


class PersonSummary(BaseModel):
    id: int
    name: str
    name_pinyin: str
    context: str = Field("", description="Region path and organisation: tells same names apart")
    current_positions: list[PositionOut]
    former_positions: list[PositionOut]
    contacts: dict[str, str] = Field(description="Only the contact fields the caller may see")


class PeopleSearch(PageLinks):
    query: str
    page: int
    pages: int
    total: int
    hint: str | None
    facets: dict[str, dict[str, int]]
    results: list[PersonSummary]


class PersonOut(BaseModel):
    id: int
    name: str
    name_pinyin: str
    gender: str | None
    political_status: str | None
    cadre_kind: str | None
    establishment: str | None
    membership_org: OrgRef | None
    bio: str
    contacts: dict[str, str] = Field(description="Only the contact fields the caller may see")
    current_positions: list[PositionOut]
    former_positions: list[PositionOut]


class PositionList(BaseModel):
    items: list[PositionOut]


class OrgNode(BaseModel):
    id: int
    name: str
    level: str
    sector: str | None
    region: str
    dissolved: bool
    child_count: int
    cadre_count: int


class OrgList(BaseModel):
    items: list[OrgNode]


class OrgOut(BaseModel):
    id: int
    name: str
    level: str
    sector: str | None
    region: str
    dissolved: bool
    parent_id: int | None
    ancestors: list[OrgRef]
    children: list[OrgNode]
    member_count: int
    roster_visible: bool = Field(description="True when the caller administers it")


class CadreOut(BaseModel):
    person_id: int
    name: str
    title: str
    start: date
    end: date | None
    contacts: dict[str, str]


class CadreList(BaseModel):
    current: list[CadreOut]
    former: list[CadreOut]


class RegionOut(BaseModel):
    code: str
    name: str
    level: str


class RegionDetail(RegionOut):
    ancestors: list[RegionOut]
    children: list[RegionOut]
    organisation_count: int


class RegionList(BaseModel):
    items: list[RegionOut]


class GroupOut(BaseModel):
    id: int
    name: str
    description: str
    join_policy: str
    visibility: str
    member_count: int
    thread_count: int
    organisation_id: int | None
    region: str | None
    last_activity_at: datetime


class GroupList(PageLinks):
    items: list[GroupOut]


class ThreadOut(BaseModel):
    id: int
    group_id: int
    title: str
    author: str | None
    pinned: bool
    locked: bool
    reply_count: int
    created_at: datetime
    last_post_at: datetime


class ThreadList(PageLinks):
    items: list[ThreadOut]


class PostOut(BaseModel):
    id: int
    author: str | None
    body: str = Field(description="Markdown source; empty when removed or hidden")
    created_at: datetime
    edited_at: datetime | None
    removed: bool


class ThreadDetail(ThreadOut):
    posts: list[PostOut]


class NotificationOut(BaseModel):
    id: int
    kind: str
    message: str
    link: str
    created_at: datetime
    read: bool


class NotificationList(BaseModel):
    unread: int
    items: list[NotificationOut]


class TransferEventOut(BaseModel):
    action: str
    from_state: str | None
    to_state: str
    note: str
    at: datetime
    actor_id: int | None


class TransferOut(BaseModel):
    id: int
    person_id: int
    person_name: str
    from_org: OrgRef
    to_org: OrgRef
    final_org: OrgRef | None
    reason: str
    note: str
    state: str
    version: int = Field(description="Send it back with the next step: a stale version is a 409")
    return_reason: str
    created_at: datetime
    state_since: datetime
    allowed_actions: list[str] = Field(description="Steps the caller may take now")


class TransferDetail(TransferOut):
    events: list[TransferEventOut]


class TransferList(PageLinks):
    items: list[TransferOut]


# ---- query and request bodies ----


class PeopleQuery(BaseModel):
    q: str = Field(
        "", description="Name, pinyin, organisation or title words (first 500 characters)"
    )
    region: str = Field("", description="Division code (2, 4, 6, 9 or 12 digits)")
    org: str = Field("", description="Organisation id")
    sector: str = ""
    kind: str = ""
    est: str = ""
    pol: str = ""
    status: str = Field("", description="current or former")
    sort: str = Field("relevance", description="relevance or name")
    # Read by the search's own parser, like every other argument here: a bad value is a
    # 400 with the same message as on the search page.
    page: str = Field("1", description="Page number, 1 to 500")


class PageQuery(BaseModel):
    page: int = Field(1, ge=1, le=10_000)


class OrgQuery(BaseModel):
    parent: int | None = Field(None, ge=1, le=MAX_ID, description="Children of this organisation")


class GroupQuery(PageQuery):
    q: str = Field("", max_length=100)
    mine: bool = False


class TransferQuery(PageQuery):
    state: str = Field("", description="Only transfers in this state")


class NewTransfer(Strict):
    person_id: int = Field(ge=1, le=MAX_ID, description="The member to move")
    to_org_id: int = Field(ge=1, le=MAX_ID, description="The receiving organisation")
    reason: str = Field(description="study, job, graduation, enlistment, moving or other")
    note: str = Field("", max_length=500)


class Step(Strict):
    version: int = Field(ge=1, le=MAX_ID, description="The transfer's version as last read")
    note: str = Field("", max_length=500)


class ReturnStep(Strict):
    version: int = Field(ge=1, le=MAX_ID)
    reason: str = Field(min_length=1, max_length=500)


class AcceptStep(Step):
    branch_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="The branch under the receiving organisation"
    )
    end_positions: bool = False
