"""Notices (通知公告) down the tree: the notice, its attachments, one row per recipient."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import DDL, ForeignKey, Index, String, Text, UniqueConstraint, event, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.core.enums import CadreKind, LabelledEnum, OrgLevel, Sector, enum_type
from directory.extensions import Model
from directory.orgs.models import Organisation
from directory.people.models import Person


class NoticeStatus(LabelledEnum):
    """Delivery of a notice: recipients are materialised by a background step."""

    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {"queued": _l("发送中"), "sent": _l("已送达"), "failed": _l("发送失败")}


class Notice(Model):
    """A notice from an organisation to the cadres of its subtree, maybe narrowed."""

    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    deadline: Mapped[date | None]
    reply_required: Mapped[bool] = mapped_column(default=False)
    # Narrowing of the subtree (None: every level / sector / kind).
    level: Mapped[OrgLevel | None] = mapped_column(enum_type(OrgLevel))
    sector: Mapped[Sector | None] = mapped_column(enum_type(Sector))
    cadre_kind: Mapped[CadreKind | None] = mapped_column(enum_type(CadreKind))
    # Narrowed to a saved list (directory/lists): its name is kept for the page; when the
    # list is deleted before delivery the id turns NULL and the notice reaches nobody
    # (narrowing never widens).
    person_list_id: Mapped[int | None] = mapped_column(
        ForeignKey("person_list.id", ondelete="SET NULL")
    )
    list_name: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[NoticeStatus] = mapped_column(
        enum_type(NoticeStatus), default=NoticeStatus.QUEUED
    )
    recipient_count: Mapped[int] = mapped_column(default=0)
    # The background job that delivers it (directory/jobs), when there is one.
    job_id: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now(), index=True)
    sent_at: Mapped[datetime | None]

    org: Mapped[Organisation] = relationship()
    author: Mapped[Person | None] = relationship()
    attachments: Mapped[list[NoticeAttachment]] = relationship(
        back_populates="notice", order_by="NoticeAttachment.id"
    )

    @property
    def is_sent(self) -> bool:
        return self.status == NoticeStatus.SENT


class NoticeAttachment(Model):
    """A file sent with a notice (checked like group attachments)."""

    __tablename__ = "notice_attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    storage_key: Mapped[str] = mapped_column(String(64))

    notice: Mapped[Notice] = relationship(back_populates="attachments")


class NoticeRecipient(Model):
    """One cadre's copy of a notice: read, replied, reminded.

    `org_id` is the organisation the cadre was reached through (a snapshot, without a
    foreign key: organisations are dissolved, never deleted, and delivering 100,000 rows
    should not pay 100,000 trigger checks). The counts of the coverage page are not read
    from these rows but from `NoticeTally`, kept by triggers; the rows serve the lists: the
    unread (a partial index holding only them, in the page's order, so a page costs the
    rows it shows however many have read) and the latest replies (partial indexes too).
    """

    __tablename__ = "notice_recipient"
    __table_args__ = (
        UniqueConstraint("notice_id", "person_id", name="notice_person"),
        Index(
            "ix_notice_recipient_unread",
            "notice_id",
            "org_id",
            "person_id",
            sqlite_where=text("read_at IS NULL"),
            postgresql_where=text("read_at IS NULL"),
        ),
        # The latest replies: of the whole notice (read backwards, stopping at the page), and
        # of a part of the tree (its organisations' replies, then sorted).
        Index(
            "ix_notice_recipient_replied",
            "notice_id",
            "replied_at",
            sqlite_where=text("replied_at IS NOT NULL"),
            postgresql_where=text("replied_at IS NOT NULL"),
        ),
        Index(
            "ix_notice_recipient_replied_org",
            "notice_id",
            "org_id",
            "replied_at",
            sqlite_where=text("replied_at IS NOT NULL"),
            postgresql_where=text("replied_at IS NOT NULL"),
        ),
        Index("ix_notice_recipient_person", "person_id", "notice_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    org_id: Mapped[int]
    read_at: Mapped[datetime | None]
    replied_at: Mapped[datetime | None]
    reply: Mapped[str] = mapped_column(Text, default="")
    reminded_at: Mapped[datetime | None]

    notice: Mapped[Notice] = relationship()
    person: Mapped[Person] = relationship()
    org: Mapped[Organisation] = relationship(
        primaryjoin="foreign(NoticeRecipient.org_id) == Organisation.id", viewonly=True
    )


class NoticeTally(Model):
    """Counts of a notice's recipients in one organisation's subtree (itself included).

    One row per organisation between the notice's organisation and each organisation a
    recipient was reached through, both included: the coverage of any part of the tree is
    its own row and its children's (a few rows, however many recipients there are).
    Delivery writes the rows with the recipients, in the same transaction; afterwards the
    database keeps them current (`TALLY_SQLITE` / `TALLY_POSTGRESQL` below), so that
    marking read stays one UPDATE of the recipient row for the application.
    Organisations never move (their `path` is fixed at creation), so a row's subtree is too.
    """

    __tablename__ = "notice_tally"

    notice_id: Mapped[int] = mapped_column(
        ForeignKey("notice.id", ondelete="CASCADE"), primary_key=True
    )
    org_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    recipients: Mapped[int] = mapped_column(default=0)
    read_count: Mapped[int] = mapped_column(default=0)
    replied_count: Mapped[int] = mapped_column(default=0)


# Triggers keeping `notice_tally` current when a recipient reads, replies or disappears
# (a person deleted: the foreign key cascades). Shared with migration 0015 so both paths
# install the same thing. The rows to change are the recipient organisation's ancestors,
# read from its materialised path ("/1/7/42/" -> 1, 7, 42): index look-ups, no recursion.
# Rows are only ever inserted by delivery, which writes the counts itself.
_CHANGED = (
    "(OLD.read_at IS NULL) <> (NEW.read_at IS NULL) "
    "OR (OLD.replied_at IS NULL) <> (NEW.replied_at IS NULL)"
)
_SQLITE_ANCESTORS = (
    "org_id IN (SELECT value FROM json_each((SELECT '[' || "
    "replace(trim(path, '/'), '/', ',') || ']' FROM organisation WHERE id = {row}.org_id)))"
)
TALLY_SQLITE = [
    "CREATE TRIGGER notice_recipient_tally_update AFTER UPDATE OF read_at, replied_at "
    f"ON notice_recipient FOR EACH ROW WHEN {_CHANGED} BEGIN "
    "UPDATE notice_tally SET "
    "read_count = read_count + (NEW.read_at IS NOT NULL) - (OLD.read_at IS NOT NULL), "
    "replied_count = replied_count + (NEW.replied_at IS NOT NULL) - (OLD.replied_at IS NOT NULL) "
    f"WHERE notice_id = NEW.notice_id AND {_SQLITE_ANCESTORS.format(row='NEW')}; END",
    "CREATE TRIGGER notice_recipient_tally_delete AFTER DELETE ON notice_recipient "
    "FOR EACH ROW BEGIN "
    "UPDATE notice_tally SET recipients = recipients - 1, "
    "read_count = read_count - (OLD.read_at IS NOT NULL), "
    "replied_count = replied_count - (OLD.replied_at IS NOT NULL) "
    f"WHERE notice_id = OLD.notice_id AND {_SQLITE_ANCESTORS.format(row='OLD')}; END",
]
_PG_ANCESTORS = (
    "CROSS JOIN LATERAL unnest(string_to_array(trim(both '/' from g.path), '/')::integer[]) "
    "AS a(id)"
)
TALLY_POSTGRESQL = [
    # Statement-level, with transition tables: one UPDATE of a counter row per statement
    # whatever the number of recipient rows it changed (a row trigger would update the
    # sender's row once per recipient, each time a new version of it within the
    # transaction: quadratic for a bulk update). Rows are updated in key order, so two
    # concurrent reads of one notice lock their common counters in the same order.
    # The changed rows are first summed per recipient organisation (a MATERIALIZED CTE),
    # and only those sums are spread over the ancestors: a statement that changes no
    # count (a reminder stamps `reminded_at`: thousands of rows) joins nothing further,
    # and a bulk read unnests each organisation's path once instead of once per row
    # (migration 0016; 10,500 reminders: trigger 60-160 ms before, 14-19 ms after).
    "CREATE OR REPLACE FUNCTION notice_recipient_tally() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ DECLARE d record; BEGIN "
    "IF TG_OP = 'DELETE' THEN "
    "FOR d IN WITH gone AS MATERIALIZED ("
    "SELECT o.notice_id, o.org_id, count(*) AS dn, "
    "count(o.read_at) AS dr, count(o.replied_at) AS dp "
    "FROM old_rows AS o GROUP BY o.notice_id, o.org_id) "
    "SELECT c.notice_id, a.id AS org_id, sum(c.dn) AS dn, sum(c.dr) AS dr, sum(c.dp) AS dp "
    f"FROM gone AS c JOIN organisation AS g ON g.id = c.org_id {_PG_ANCESTORS} "
    "GROUP BY c.notice_id, a.id ORDER BY c.notice_id, a.id LOOP "
    "UPDATE notice_tally SET recipients = recipients - d.dn, "
    "read_count = read_count - d.dr, replied_count = replied_count - d.dp "
    "WHERE notice_id = d.notice_id AND org_id = d.org_id; "
    "END LOOP; "
    "ELSE "
    "FOR d IN WITH changed AS MATERIALIZED ("
    "SELECT n.notice_id, n.org_id, "
    "sum((n.read_at IS NOT NULL)::integer - (o.read_at IS NOT NULL)::integer) AS dr, "
    "sum((n.replied_at IS NOT NULL)::integer - (o.replied_at IS NOT NULL)::integer) AS dp "
    "FROM new_rows AS n JOIN old_rows AS o ON o.id = n.id "
    "WHERE (n.read_at IS NULL) <> (o.read_at IS NULL) "
    "OR (n.replied_at IS NULL) <> (o.replied_at IS NULL) "
    "GROUP BY n.notice_id, n.org_id) "
    "SELECT c.notice_id, a.id AS org_id, sum(c.dr) AS dr, sum(c.dp) AS dp "
    f"FROM changed AS c JOIN organisation AS g ON g.id = c.org_id {_PG_ANCESTORS} "
    "GROUP BY c.notice_id, a.id ORDER BY c.notice_id, a.id LOOP "
    "UPDATE notice_tally SET read_count = read_count + d.dr, "
    "replied_count = replied_count + d.dp "
    "WHERE notice_id = d.notice_id AND org_id = d.org_id; "
    "END LOOP; "
    "END IF; RETURN NULL; END $$",
    "CREATE TRIGGER notice_recipient_tally_update AFTER UPDATE ON notice_recipient "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION notice_recipient_tally()",
    "CREATE TRIGGER notice_recipient_tally_delete AFTER DELETE ON notice_recipient "
    "REFERENCING OLD TABLE AS old_rows "
    "FOR EACH STATEMENT EXECUTE FUNCTION notice_recipient_tally()",
]
DROP_TALLY_POSTGRESQL = ["DROP FUNCTION IF EXISTS notice_recipient_tally()"]

for _sql in TALLY_SQLITE:
    event.listen(NoticeRecipient.__table__, "after_create", DDL(_sql).execute_if(dialect="sqlite"))
for _sql in TALLY_POSTGRESQL:
    event.listen(
        NoticeRecipient.__table__, "after_create", DDL(_sql).execute_if(dialect="postgresql")
    )
for _sql in DROP_TALLY_POSTGRESQL:
    event.listen(
        NoticeRecipient.__table__, "after_drop", DDL(_sql).execute_if(dialect="postgresql")
    )
