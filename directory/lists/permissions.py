"""Who may keep lists, and who may be on them.

A list is private to its owner (an organisation admin or a system admin): other admins,
even of the same organisation, do not see it, since the owner's lists may gather people
from several organisations the others do not administer. Only people in the owner's
charge can be put on a list: active accounts whose membership, or a confirmed current
position, lies in an organisation the owner administers (the people of the owner's
rosters); for a system admin, every active account.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, false, or_, select

from directory.lists.models import PersonList
from directory.orgs.models import Organisation
from directory.people.models import Person, Position
from directory.people.permissions import is_any_org_admin


def can_keep_lists(viewer: Person | None) -> bool:
    """Organisation admins and system admins keep lists."""
    return is_any_org_admin(viewer)


def can_use_list(viewer: Person | None, plist: PersonList) -> bool:
    """Only the owner sees, changes and sends to a list (and only while they are an admin)."""
    return bool(can_keep_lists(viewer) and viewer is not None and plist.owner_id == viewer.id)


def in_charge_clause(owner: Person) -> ColumnElement[bool]:
    """SQL on Person: the people `owner` may put on a list (see the module's docstring)."""
    if owner.is_admin:
        return Person.is_active_account.is_(True)
    paths = [a.organisation.path for a in owner.admin_of]
    if not paths:
        return false()
    subtree = select(Organisation.id).where(
        or_(*(Organisation.path.startswith(p, autoescape=True) for p in paths))
    )
    posted = select(Position.person_id).where(
        Position.organisation_id.in_(subtree),
        Position.grants_access,
        Position.end_date.is_(None),
    )
    return and_(
        Person.is_active_account.is_(True),
        or_(Person.membership_org_id.in_(subtree), Person.id.in_(posted)),
    )
