"""Who may report from an organisation, handle what reaches one, and see reports and figures.

A report is seen by its author and by admins of the submitting organisation or above it
(which includes the receiving organisation's admins). Only confirmed posts let a cadre
report in an organisation's name.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, true

from directory.orgs.models import Organisation
from directory.orgs.permissions import is_org_admin
from directory.people.models import Person
from directory.reports.models import InfoReport


def holds_post_in(viewer: Person, org: Organisation) -> bool:
    """A confirmed current position in exactly this organisation."""
    return any(p.organisation_id == org.id for p in viewer.current_positions)


def can_submit_from(viewer: Person | None, org: Organisation) -> bool:
    """Cadres with a confirmed post in the organisation, or its admins; it needs a parent."""
    if viewer is None or not viewer.is_authenticated or org.parent_id is None:
        return False
    if org.is_dissolved:
        return False
    return holds_post_in(viewer, org) or is_org_admin(viewer, org)


def can_handle(viewer: Person | None, report: InfoReport) -> bool:
    """Mark received, return, adopt: admins of the receiving organisation (or above)."""
    return is_org_admin(viewer, report.to_org)


def can_view_report(viewer: Person | None, report: InfoReport) -> bool:
    """The author, and admins of the submitting organisation or above it."""
    if viewer is None or not viewer.is_authenticated:
        return False
    return viewer.id == report.author_id or is_org_admin(viewer, report.from_org)


def can_view_stats(viewer: Person | None, org: Organisation) -> bool:
    """The statistics of a subtree: its admins."""
    return is_org_admin(viewer, org)


def handled_clause(viewer: Person, org_alias: type[Organisation]) -> ColumnElement[bool]:
    """SQL form of `can_handle` on the receiving organisation (aliased as `org_alias`)."""
    if viewer.is_admin:
        return true()
    paths = [a.organisation.path for a in viewer.admin_of]
    if not paths:
        return false()
    return or_(*(org_alias.path.startswith(p) for p in paths))
