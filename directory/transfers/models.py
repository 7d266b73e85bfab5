"""Membership transfers (组织关系转接): requests, batches and their append-only trail."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import DDL, ForeignKey, Index, String, Text, event, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from directory.core.enums import LabelledEnum, enum_type
from directory.extensions import Model, db
from directory.orgs.models import Organisation
from directory.people.models import Person


class TransferState(LabelledEnum):
    """Where a transfer stands; docs/TRANSFERS.md says who may act in each."""

    SUBMITTED = "submitted"
    APPROVED_OUT = "approved_out"
    RETURNED = "returned"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "submitted": _l("待转出审批"),
            "approved_out": _l("待转入接收"),
            "returned": _l("已退回"),
            "completed": _l("已完成"),
            "withdrawn": _l("已撤回"),
        }

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATES


OPEN_STATES: tuple[TransferState, ...] = (
    TransferState.SUBMITTED,
    TransferState.APPROVED_OUT,
    TransferState.RETURNED,
)


class TransferReason(LabelledEnum):
    STUDY = "study"
    JOB = "job"
    GRADUATION = "graduation"
    ENLISTMENT = "enlistment"
    MOVING = "moving"
    OTHER = "other"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "study": _l("升学"),
            "job": _l("就业/工作调动"),
            "graduation": _l("毕业"),
            "enlistment": _l("入伍"),
            "moving": _l("迁居"),
            "other": _l("其他"),
        }


class TransferAction(LabelledEnum):
    """What an audit entry records."""

    SUBMIT = "submit"
    APPROVE_OUT = "approve_out"
    ACCEPT_IN = "accept_in"
    RETURN = "return"
    RESUBMIT = "resubmit"
    WITHDRAW = "withdraw"
    REMIND = "remind"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "submit": lazy_pgettext("transfer event", "提交申请"),
            "approve_out": _l("转出审批通过"),
            "accept_in": _l("转入接收"),
            "return": lazy_pgettext("transfer event", "退回"),
            "resubmit": _l("修改后重新提交"),
            "withdraw": _l("撤回"),
            "remind": _l("超时提醒"),
        }


_open_values = ", ".join(f"'{s.value}'" for s in OPEN_STATES)


class TransferBatch(Model):
    """Many transfers submitted at once (a graduating class, a dissolved branch)."""

    __tablename__ = "transfer_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="RESTRICT"), index=True
    )
    source: Mapped[str] = mapped_column(String(20))  # "selection", "csv", "xlsx"
    filename: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    created_by: Mapped[Person] = relationship()
    failures: Mapped[list[TransferBatchFailure]] = relationship(
        back_populates="batch", order_by="TransferBatchFailure.line"
    )


class TransferBatchFailure(Model):
    """One line of a batch that could not become a transfer, and why."""

    __tablename__ = "transfer_batch_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("transfer_batch.id", ondelete="CASCADE"), index=True
    )
    line: Mapped[int]
    member: Mapped[str] = mapped_column(String(200))
    destination: Mapped[str] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(String(300))

    batch: Mapped[TransferBatch] = relationship(back_populates="failures")


class Transfer(Model):
    """Moving one member's relationship from `from_org` to `to_org` (or a branch of it)."""

    __tablename__ = "transfer"
    __table_args__ = (
        # One open transfer per member, enforced by the database itself.
        Index(
            "uq_transfer_open_person",
            "person_id",
            unique=True,
            sqlite_where=db.text(f"state IN ({_open_values})"),
            postgresql_where=db.text(f"state IN ({_open_values})"),
        ),
        Index("ix_transfer_state_from", "state", "from_org_id"),
        Index("ix_transfer_state_to", "state", "to_org_id"),
        Index("ix_transfer_completed", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="RESTRICT"), index=True)
    from_org_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    to_org_id: Mapped[int] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT"), index=True
    )
    # The branch the receiver assigned when `to_org` is a committee; set on acceptance.
    final_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="RESTRICT")
    )
    requested_by_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="RESTRICT"), index=True
    )
    batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("transfer_batch.id", ondelete="RESTRICT"), index=True
    )
    reason: Mapped[TransferReason] = mapped_column(enum_type(TransferReason))
    note: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[TransferState] = mapped_column(enum_type(TransferState))
    version: Mapped[int] = mapped_column(default=1)
    return_reason: Mapped[str] = mapped_column(Text, default="")
    end_positions: Mapped[bool] = mapped_column(default=False)
    state_since: Mapped[datetime]
    reminded_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    requested_by: Mapped[Person] = relationship(foreign_keys=[requested_by_id])
    from_org: Mapped[Organisation] = relationship(foreign_keys=[from_org_id])
    to_org: Mapped[Organisation] = relationship(foreign_keys=[to_org_id])
    final_org: Mapped[Organisation | None] = relationship(foreign_keys=[final_org_id])
    batch: Mapped[TransferBatch | None] = relationship()
    events: Mapped[list[TransferEvent]] = relationship(
        back_populates="transfer", order_by="TransferEvent.id", passive_deletes="all"
    )

    @property
    def waiting_org(self) -> Organisation | None:
        """The organisation whose admins must act now (None when nobody but the requester)."""
        if self.state == TransferState.SUBMITTED:
            return self.from_org
        if self.state == TransferState.APPROVED_OUT:
            return self.to_org
        return None

    def __repr__(self) -> str:
        return f"<Transfer {self.id} {self.state}>"


class TransferEvent(Model):
    """One audit entry. Append-only: a trigger refuses UPDATE and DELETE."""

    __tablename__ = "transfer_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(
        ForeignKey("transfer.id", ondelete="RESTRICT"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="RESTRICT"))
    action: Mapped[TransferAction] = mapped_column(enum_type(TransferAction))
    from_state: Mapped[TransferState | None] = mapped_column(enum_type(TransferState))
    to_state: Mapped[TransferState] = mapped_column(enum_type(TransferState))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]

    transfer: Mapped[Transfer] = relationship(back_populates="events")
    actor: Mapped[Person | None] = relationship()

    @property
    def shown_note(self) -> str:
        """The note in the reader's language (system notes are translated, people's kept)."""
        from directory.transfers.notes import shown

        return shown(self.note)


# The triggers, shared with the migration so both paths install the same thing.
APPEND_ONLY_SQLITE = [
    "CREATE TRIGGER transfer_event_no_update BEFORE UPDATE ON transfer_event "
    "BEGIN SELECT RAISE(ABORT, 'transfer_event is append-only'); END",
    "CREATE TRIGGER transfer_event_no_delete BEFORE DELETE ON transfer_event "
    "BEGIN SELECT RAISE(ABORT, 'transfer_event is append-only'); END",
]
APPEND_ONLY_POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION transfer_event_append_only() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    "RAISE EXCEPTION 'transfer_event is append-only'; END $$",
    "CREATE TRIGGER transfer_event_append_only BEFORE UPDATE OR DELETE ON transfer_event "
    "FOR EACH ROW EXECUTE FUNCTION transfer_event_append_only()",
]
DROP_APPEND_ONLY_POSTGRESQL = ["DROP FUNCTION IF EXISTS transfer_event_append_only()"]

for _sql in APPEND_ONLY_SQLITE:
    event.listen(TransferEvent.__table__, "after_create", DDL(_sql).execute_if(dialect="sqlite"))
for _sql in APPEND_ONLY_POSTGRESQL:
    event.listen(
        TransferEvent.__table__, "after_create", DDL(_sql).execute_if(dialect="postgresql")
    )
for _sql in DROP_APPEND_ONLY_POSTGRESQL:
    event.listen(TransferEvent.__table__, "after_drop", DDL(_sql).execute_if(dialect="postgresql"))
