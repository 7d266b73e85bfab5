"""Who reads the statistics and data quality of an organisation: its admins (and above)."""

from __future__ import annotations

from directory.orgs.models import Organisation
from directory.orgs.permissions import is_org_admin
from directory.people.models import Person


def can_view_stats(viewer: Person | None, org: Organisation) -> bool:
    """The same rule as the roster: admins of the organisation or of an ancestor."""
    return is_org_admin(viewer, org)
