"""The one place the API writes to the audit trail (`directory.audit.record`).

Every call runs inside the caller's unit of work: the row commits or rolls back with it.
"""

from __future__ import annotations

from typing import Any

from directory.audit import record as audit_record
from directory.people.models import Person


def record(
    action: str, actor: Person | None, subject: Person | None, details: dict[str, Any]
) -> None:
    """Add an audit row for an API event (token made, revoked, used) to the current transaction."""
    audit_record(action, actor=actor, subject_person=subject, details=details)
