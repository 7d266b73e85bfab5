"""Who may manage the organisation tree."""

from __future__ import annotations

from directory.orgs.models import Organisation
from directory.people.models import Person
from directory.people.permissions import is_org_admin


def can_create_top_level(viewer: Person | None) -> bool:
    """Only system admins create organisations without a parent."""
    return bool(viewer is not None and viewer.is_authenticated and viewer.is_admin)


def can_manage_org(viewer: Person | None, org: Organisation) -> bool:
    """Create children, edit, dissolve and appoint admins: admins of the org or an ancestor."""
    return is_org_admin(viewer, org)


def can_view_roster(viewer: Person | None, org: Organisation) -> bool:
    """The member roster (名册) with contacts is for the organisation's admins."""
    return is_org_admin(viewer, org)
