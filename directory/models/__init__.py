"""All models, importable from one place (Alembic and the app need them registered)."""

from directory.models.enums import (
    CadreKind,
    Establishment,
    Gender,
    OrgLevel,
    PoliticalStatus,
    RegionLevel,
    Sector,
    Visibility,
)
from directory.models.notifications import Notification
from directory.models.organisations import Organisation
from directory.models.people import OrgAdmin, Person, Position
from directory.models.regions import Region

__all__ = [
    "CadreKind",
    "Establishment",
    "Gender",
    "Notification",
    "OrgAdmin",
    "OrgLevel",
    "Organisation",
    "Person",
    "PoliticalStatus",
    "Position",
    "Region",
    "RegionLevel",
    "Sector",
    "Visibility",
]
