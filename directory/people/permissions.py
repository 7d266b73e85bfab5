"""Named permission predicates, shared by views, templates, lists and search.

Every list that shows people goes through `ContactPolicy`, the same predicate the
profile page uses, so an aggregate view cannot leak what a detail page hides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Literal

from sqlalchemy import select

from directory.core.enums import Visibility
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.people.models import OrgAdmin, Person, Position

ContactField = Literal["phone", "email", "wechat"]
CONTACT_FIELDS: tuple[ContactField, ...] = ("phone", "email", "wechat")

# Other areas (groups) add the ties they create, as ("kind", id) pairs per person.
AffiliationSource = Callable[[set[int]], dict[int, set[tuple[str, int]]]]
_affiliation_sources: list[AffiliationSource] = []


def register_affiliation_source(source: AffiliationSource) -> None:
    """Let another area say which people share something (a group) with whom."""
    if source not in _affiliation_sources:
        _affiliation_sources.append(source)


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


def is_any_org_admin(viewer: Person | None) -> bool:
    """True for a system admin or anyone who administers at least one organisation."""
    return bool(viewer and viewer.is_authenticated and (viewer.is_admin or viewer.admin_of))


def can_administer_person(viewer: Person | None, person: Person) -> bool:
    """System admins, and admins of the organisation holding the person's membership.

    An organisation admin never administers a system admin: editing their e-mail (the
    sign-in name) would be a way to take over a stronger account.
    """
    if viewer is None or not viewer.is_authenticated:
        return False
    if viewer.is_admin:
        return True
    if person.is_admin:
        return False
    org = person.membership_org
    return org is not None and is_org_admin(viewer, org)


def can_view_profile(viewer: Person | None, person: Person) -> bool:
    """Active accounts for everyone signed in; deactivated ones only for their admins."""
    return person.is_active_account or can_administer_person(viewer, person)


def can_edit_profile(viewer: Person | None, person: Person) -> bool:
    """The person themself, or someone who administers them."""
    if viewer is not None and viewer.is_authenticated and viewer.id == person.id:
        return True
    return can_administer_person(viewer, person)


def affiliations(person_ids: Iterable[int]) -> dict[int, set[tuple[str, int]]]:
    """For each person: the organisations (current or past) and groups they belong to."""
    ids = set(person_ids)
    result: dict[int, set[tuple[str, int]]] = {pid: set() for pid in ids}
    if not ids:
        return result
    rows = db.session.execute(
        select(Position.person_id, Position.organisation_id)
        .where(Position.person_id.in_(ids))
        .union(
            select(Person.id, Person.membership_org_id).where(
                Person.id.in_(ids), Person.membership_org_id.is_not(None)
            )
        )
    )
    for pid, org_id in rows:
        result[pid].add(("org", org_id))
    for source in _affiliation_sources:
        for pid, ties in source(ids).items():
            result.setdefault(pid, set()).update(ties)
    return result


class ContactPolicy:
    """Decides, for one viewer, which contact fields of which people are visible.

    Built once per request for a whole list: two queries, whatever its length.
    """

    def __init__(self, viewer: Person | None, people: Iterable[Person] = ()) -> None:
        self.viewer = viewer
        self._people: dict[int, Person] = {}
        self._ties: dict[int, set[tuple[str, int]]] = {}
        self.add(people)

    def add(self, people: Iterable[Person]) -> None:
        """Load the ties of more people (one query)."""
        new = [p for p in people if p.id not in self._ties]
        ids = {p.id for p in new}
        if self.viewer is not None and self.viewer.is_authenticated:
            ids.add(self.viewer.id)
        ids -= set(self._ties)
        if ids:
            self._ties.update(affiliations(ids))
        for p in new:
            self._people[p.id] = p

    def shares_with(self, person: Person) -> bool:
        """True when viewer and person share a current or past organisation or a group."""
        if self.viewer is None or not self.viewer.is_authenticated:
            return False
        if person.id not in self._ties:
            self.add([person])
        return bool(self._ties.get(self.viewer.id, set()) & self._ties.get(person.id, set()))

    def can_view(self, person: Person, field: ContactField) -> bool:
        """The one predicate for showing a contact field of `person` to the viewer."""
        viewer = self.viewer
        if viewer is None or not viewer.is_authenticated:
            return False
        if viewer.id == person.id or can_administer_person(viewer, person):
            return True
        visibility: Visibility = getattr(person, f"{field}_visibility")
        if visibility == Visibility.SIGNED_IN:
            return True
        if visibility == Visibility.SHARED:
            return self.shares_with(person)
        return False

    def visible_contacts(self, person: Person) -> dict[str, str]:
        """The contact fields of `person` the viewer may see, non-empty ones only."""
        return {
            f: value
            for f in CONTACT_FIELDS
            if (value := getattr(person, f)) and self.can_view(person, f)
        }


def can_view_contact(viewer: Person | None, person: Person, field: ContactField) -> bool:
    """Single-person form of ContactPolicy.can_view (profile pages)."""
    return ContactPolicy(viewer, [person]).can_view(person, field)


def org_admins_query(org: Organisation):
    """People who administer `org` directly or through an ancestor."""
    return select(Person).join(OrgAdmin).where(OrgAdmin.organisation_id.in_(org.ancestor_ids))
