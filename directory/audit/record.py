"""Adding audit rows: inside the caller's transaction, never committing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.dialects import postgresql, sqlite

from directory.audit.models import AuditEvent
from directory.core import time as clock
from directory.extensions import db

if TYPE_CHECKING:
    from directory.orgs.models import Organisation
    from directory.people.models import Person


def _values(
    action: str,
    actor: Person | None,
    subject_person: Person | None,
    org: Organisation | None,
    details: dict[str, Any] | None,
) -> dict[str, Any]:
    if org is None and subject_person is not None:
        # Scoped to the subject's organisation, so admins of its subtree see the entry.
        org = subject_person.membership_org
    return {
        "at": clock.now(),
        "action": action[:40],
        "actor_id": actor.id if actor is not None else None,
        "actor_name": (actor.name if actor is not None else "")[:40],
        "subject_person_id": subject_person.id if subject_person is not None else None,
        "subject_name": (subject_person.name if subject_person is not None else "")[:40],
        "org_id": org.id if org is not None else None,
        "org_name": (org.name if org is not None else "")[:100],
        "org_path": (org.path if org is not None else "")[:400],
        "details": dict(details or {}),
    }


def record(
    action: str,
    actor: Person | None = None,
    subject_person: Person | None = None,
    org: Organisation | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add one audit row to the current transaction (it commits or rolls back with it).

    `org` defaults to the subject's membership organisation: an admin sees the entries
    scoped to organisations in their subtree.
    """
    entry = AuditEvent(**_values(action, actor, subject_person, org, details))
    db.session.add(entry)
    return entry


def record_once(
    key: str,
    action: str,
    actor: Person | None = None,
    subject_person: Person | None = None,
    org: Organisation | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Add the row unless one with the same `key` exists (INSERT ... ON CONFLICT DO NOTHING)."""
    values = _values(action, actor, subject_person, org, details)
    values["once_key"] = key[:120]
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(AuditEvent).values(**values).on_conflict_do_nothing(index_elements=["once_key"])
    db.session.execute(stmt)
