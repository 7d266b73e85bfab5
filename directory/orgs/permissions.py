"""Who may manage the organisation tree.

An organisation admin (`OrgAdmin`, a role a person holds) administers the organisation and
its subtree; the predicates read the viewer's roles from the viewer, so this module needs
people only for its types.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from directory.orgs.models import Organisation

if TYPE_CHECKING:
    from directory.people.models import Person


def admin_org_ids(viewer: Person) -> set[int]:
    """Organisations the viewer administers directly (their subtrees are implied)."""
    return {a.organisation_id for a in viewer.admin_of}


def is_org_admin(viewer: Person | None, org: Organisation) -> bool:
    """System admin, or admin of `org` or of one of its ancestors."""
    if viewer is None or not viewer.is_authenticated:
        return False
    if viewer.is_admin:
        return True
    return bool(admin_org_ids(viewer) & set(org.ancestor_ids))


def can_create_top_level(viewer: Person | None) -> bool:
    """Only system admins create organisations without a parent."""
    return bool(viewer is not None and viewer.is_authenticated and viewer.is_admin)


def can_manage_org(viewer: Person | None, org: Organisation) -> bool:
    """Create children, edit, dissolve and appoint admins: admins of the org or an ancestor."""
    return is_org_admin(viewer, org)


def can_view_roster(viewer: Person | None, org: Organisation) -> bool:
    """The member roster (名册) with contacts is for the organisation's admins."""
    return is_org_admin(viewer, org)
