"""Models of the admin's desk in the API: roster exports, statistics, notices."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from directory.api.schemas import OrgRef, PageLinks, PageQuery, PositionOut, Strict
from directory.core.numbers import MAX_ID

# ---- rosters ----


class RosterQuery(BaseModel):
    subtree: bool = Field(True, description="Include the organisations below it")


class RosterFileQuery(RosterQuery):
    format: Literal["xlsx", "csv", "vcf"] = Field(
        "xlsx", description="The files the roster page offers: XLSX, CSV (UTF-8 with BOM), vCard"
    )


class RosterPerson(BaseModel):
    id: int
    name: str
    gender: str | None
    birth_year: int | None
    political_status: str | None
    cadre_kind: str | None
    establishment: str | None
    membership_org: OrgRef | None
    current_positions: list[PositionOut] = Field(description="Current confirmed posts")
    contacts: dict[str, str] = Field(description="Only the contact fields the caller may see")


class RosterExport(BaseModel):
    title: str
    organisation: OrgRef
    subtree: bool
    exported_by: str
    exported_at: datetime
    total: int
    truncated: bool = Field(description="True when the roster was cut at the export limit")
    people: list[RosterPerson]


# ---- statistics ----


class StatRow(BaseModel):
    label: str
    count: int
    region: str | None = Field(None, description="Division code (the region figure only)")


class StatTable(BaseModel):
    key: str
    title: str
    chart: str = Field(description="bar, line or tiles: how the statistics page draws it")
    total: int
    rows: list[StatRow]


class CompletenessOut(BaseModel):
    organisation: OrgRef
    people: int
    filled: float = Field(ge=0, le=1, description="Share of profile fields filled")


class QualityCounts(BaseModel):
    stale: int = Field(description="Records not updated for a year")
    no_secretary: int = Field(description="Live organisations without a current secretary")
    committees: int = Field(description="Township committees outside the rules")
    claims: int = Field(description="Position claims waiting for review")


class Statistics(BaseModel):
    organisation: OrgRef
    tables: list[StatTable]
    completeness: list[CompletenessOut] = Field(
        description="The organisation itself first, then each organisation directly below"
    )
    quality: QualityCounts


# ---- notices ----


class NoticeSummary(BaseModel):
    id: int
    title: str
    organisation: OrgRef = Field(description="The sending organisation")
    author: str | None
    created_at: datetime
    deadline: date | None
    reply_required: bool


class ReceivedNotice(NoticeSummary):
    read_at: datetime | None
    replied_at: datetime | None


class ReceivedList(PageLinks):
    items: list[ReceivedNotice]


class SentNotice(NoticeSummary):
    status: str = Field(description="queued, sent or failed")
    recipient_count: int
    sent_at: datetime | None


class SentList(PageLinks):
    items: list[SentNotice]


class AttachmentOut(BaseModel):
    id: int
    filename: str
    content_type: str
    size: int


class MyCopy(BaseModel):
    read_at: datetime | None
    replied_at: datetime | None
    reply: str


class NoticeDetail(NoticeSummary):
    status: str
    body: str = Field(description="Markdown source")
    body_html: str = Field(description="The sanitised HTML the notice page shows")
    attachments: list[AttachmentOut]
    mine: MyCopy | None = Field(description="The caller's copy, when the notice reached them")
    coverage_visible: bool = Field(description="True when the caller may see its coverage")


class CoverageCounts(BaseModel):
    total: int
    read: int
    replied: int
    unread: int
    read_pct: int


class CoverageRowOut(CoverageCounts):
    organisation: OrgRef


class RecipientOut(BaseModel):
    person_id: int
    name: str
    organisation: OrgRef | None = Field(description="Where the notice reached them")


class ReplyOut(RecipientOut):
    reply: str
    replied_at: datetime


class CoverageOut(BaseModel):
    notice_id: int
    status: str
    organisation: OrgRef = Field(description="The part of the tree these figures cover")
    total: CoverageCounts
    own: CoverageCounts = Field(description="Cadres of the organisation itself, not below it")
    rows: list[CoverageRowOut] = Field(description="Each organisation directly below")
    unread: list[RecipientOut] = Field(description="A page of who has not read it yet")
    next: str | None = Field(None, description="The next page of `unread`")
    replies: list[ReplyOut] = Field(description="Latest replies, when a reply is required")


class CoverageQuery(PageQuery):
    org: int | None = Field(
        None, ge=1, le=MAX_ID, description="A part of the tree below (default: the caller's top)"
    )


class ReplyBody(Strict):
    reply: str = Field(min_length=1, max_length=2000)
