"""The one place liaison changes are written to the audit log (directory/audit, when present).

The assignment rows themselves keep who assigned and who ended what, and when; the shared
audit log (helper desk's `directory.audit.record`) gets an entry too once it is installed.
"""

from __future__ import annotations

import importlib
from typing import Any

from directory.liaison.models import LiaisonAssignment
from directory.people.models import Person


def record_change(action: str, actor: Person, assignment: LiaisonAssignment) -> bool:
    """Add an audit row for a liaison change to the current transaction; False if no audit log."""
    try:
        audit: Any = importlib.import_module("directory.audit")
    except ModuleNotFoundError:
        return False
    audit.record(
        f"liaison.{action}",
        actor=actor,
        subject_person=assignment.member,
        org=assignment.target_org,
        details={
            "assignment_id": assignment.id,
            "committee_id": assignment.committee_id,
            "target_org_id": assignment.target_org_id,
        },
    )
    return True
