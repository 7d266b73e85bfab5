"""The one place liaison changes are written to the audit log (directory/audit).

The assignment rows themselves keep who assigned and who ended what, and when; the shared
audit log gets an entry too, in the same transaction.
"""

from __future__ import annotations

from directory.audit import record
from directory.liaison.models import LiaisonAssignment
from directory.people.models import Person


def record_change(action: str, actor: Person, assignment: LiaisonAssignment) -> None:
    """Add an audit row for a liaison change ("assign" / "end") to the current transaction."""
    record(
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
