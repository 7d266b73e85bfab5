"""The audit log: one append-only table that outlives the people and organisations it names."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, JSON, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from directory.extensions import Model

# The database refuses to delete a row younger than this (3 years), whatever the app asks.
RETENTION_FLOOR_DAYS = 1095


class AuditEvent(Model):
    """Who did what to whom, when, in which organisation.

    Names and ids are copied as plain values (no foreign keys): deleting a person or an
    organisation never deletes, nulls or blocks on its audit rows. `org_path` is the
    organisation's materialised path at the time, so an admin's subtree filter keeps working.
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_org_path_at", "org_path", "at"),
        Index("ix_audit_event_action_at", "action", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(index=True)
    actor_name: Mapped[str] = mapped_column(String(40), default="")
    subject_person_id: Mapped[int | None] = mapped_column(index=True)
    subject_name: Mapped[str] = mapped_column(String(40), default="")
    org_id: Mapped[int | None]
    org_name: Mapped[str] = mapped_column(String(100), default="")
    org_path: Mapped[str] = mapped_column(String(400), default="")
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    # Set for entries kept once per key (a contact reveal: viewer, person, day).
    once_key: Mapped[str | None] = mapped_column(String(120), unique=True)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action}>"


# Triggers, shared with the migration so both paths install the same thing. UPDATE is always
# refused; DELETE only for rows older than the retention floor (pruning).
APPEND_ONLY_SQLITE = [
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
    f"WHEN OLD.at > datetime('now', '-{RETENTION_FLOOR_DAYS} days') "
    "BEGIN SELECT RAISE(ABORT, 'audit_event is append-only'); END",
]
APPEND_ONLY_POSTGRESQL = [
    "CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN "
    "IF TG_OP = 'DELETE' AND OLD.at < (now() AT TIME ZONE 'UTC') - "
    f"interval '{RETENTION_FLOOR_DAYS} days' THEN RETURN OLD; END IF; "
    "RAISE EXCEPTION 'audit_event is append-only'; END $$",
    "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
]
DROP_APPEND_ONLY_POSTGRESQL = ["DROP FUNCTION IF EXISTS audit_event_append_only()"]

for _sql in APPEND_ONLY_SQLITE:
    event.listen(AuditEvent.__table__, "after_create", DDL(_sql).execute_if(dialect="sqlite"))
for _sql in APPEND_ONLY_POSTGRESQL:
    event.listen(AuditEvent.__table__, "after_create", DDL(_sql).execute_if(dialect="postgresql"))
for _sql in DROP_APPEND_ONLY_POSTGRESQL:
    event.listen(AuditEvent.__table__, "after_drop", DDL(_sql).execute_if(dialect="postgresql"))
