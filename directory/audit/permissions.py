"""Who reads the audit log: system admins everything, organisation admins their subtree."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, false, or_, true

from directory.audit.models import AuditEvent
from directory.core.sql import startswith

if TYPE_CHECKING:  # people record into the audit log: people is above audit
    from directory.people.models import Person


def can_read_audit(viewer: Person | None) -> bool:
    """System admins and organisation admins (signed in)."""
    return bool(viewer and viewer.is_authenticated and viewer.is_any_org_admin)


def visible_clause(viewer: Person) -> ColumnElement[bool]:
    """Rows the viewer may read: every row for a system admin; for an organisation admin
    the rows scoped to an organisation in one of their subtrees (as it was then)."""
    if viewer.is_admin:
        return true()
    paths = [a.organisation.path for a in viewer.admin_of if a.organisation.path]
    if not paths:
        return false()
    return or_(*(startswith(AuditEvent.org_path, p) for p in paths))


def can_read_event(viewer: Person | None, event: AuditEvent) -> bool:
    """Per-row form of `visible_clause`."""
    if not can_read_audit(viewer):
        return False
    assert viewer is not None
    if viewer.is_admin:
        return True
    return any(
        event.org_path.startswith(a.organisation.path)
        for a in viewer.admin_of
        if a.organisation.path
    )
