"""The one place the API writes to the audit trail.

`directory.audit.record` lands with the audit feature; until it does, this module
is the only caller to wire (and every call below still runs inside the unit of work).
"""

from __future__ import annotations

from typing import Any

from directory.people.models import Person


def record(
    action: str, actor: Person | None, subject: Person | None, details: dict[str, Any]
) -> None:
    """Add an audit row to the current transaction, when the audit feature is installed."""
    try:
        from directory.audit import record as audit_record  # type: ignore[import-not-found, unused-ignore]  # lands with the audit feature
    except ImportError:
        return
    audit_record(action, actor=actor, subject_person=subject, details=details)
