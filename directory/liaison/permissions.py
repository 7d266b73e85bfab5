"""Who assigns liaisons (committee admins) and who sees them.

Assignments are seen by admins of the committee or of the organisation concerned, by the
committee's members and by cadres of that organisation: confirmed posts (or the membership
organisation) only, never a pending claim.
"""

from __future__ import annotations

from directory.core.enums import OrgLevel
from directory.orgs.models import Organisation
from directory.orgs.permissions import is_org_admin
from directory.people.models import Person

COMMITTEE_LEVELS = (OrgLevel.TOWNSHIP,)


def is_committee(org: Organisation) -> bool:
    """Township and street committees assign liaisons."""
    return org.level in COMMITTEE_LEVELS and not org.is_dissolved


def belongs_to(viewer: Person | None, org: Organisation) -> bool:
    """A confirmed current post in the organisation, or it is the membership organisation."""
    if viewer is None or not viewer.is_authenticated:
        return False
    if viewer.membership_org_id == org.id:
        return True
    return any(p.organisation_id == org.id for p in viewer.current_positions)


def can_assign(viewer: Person | None, committee: Organisation) -> bool:
    """Admins of the committee (or above)."""
    return is_committee(committee) and is_org_admin(viewer, committee)


def can_view_committee(viewer: Person | None, committee: Organisation) -> bool:
    """The coverage map: admins of the committee and its members."""
    return is_org_admin(viewer, committee) or belongs_to(viewer, committee)


def can_view_liaison_of(viewer: Person | None, org: Organisation, committee: Organisation) -> bool:
    """One organisation's liaison: those who see the committee, and the organisation's own people."""
    return (
        can_view_committee(viewer, committee)
        or belongs_to(viewer, org)
        or is_org_admin(viewer, org)
    )
