"""Named permission predicates, shared by views, templates, lists and search.

Every list that shows people goes through `ContactPolicy`, the same predicate the
profile page uses, so an aggregate view cannot leak what a detail page hides.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Literal

from sqlalchemy import ColumnElement, and_, false, inspect, literal, or_, select, true, union
from sqlalchemy.orm import InstanceState

from directory.core.enums import PositionStatus, Visibility
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.orgs.permissions import admin_org_ids, is_org_admin
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


def is_any_org_admin(viewer: Person | None) -> bool:
    """True for a system admin or anyone who administers at least one organisation."""
    return bool(viewer and viewer.is_authenticated and viewer.is_any_org_admin)


def _in_subtree(manager_org_ids: set[int], path: str) -> bool:
    """True when the organisation with this materialised `path` lies under one of the ids."""
    return any(int(p) in manager_org_ids for p in path.strip("/").split("/") if p)


def can_administer_person(
    viewer: Person | None, person: Person, role_paths: list[str] | None = None
) -> bool:
    """The one admin-hierarchy predicate: may `viewer` manage `person`'s account?

    System admins manage everyone; only system admins manage a system admin. An
    organisation admin manages a person whose membership lies in their subtree AND every
    one of whose admin roles lies in their subtree too: otherwise a lower admin could
    reset the password (or sign-in e-mail) of an account that administers a higher
    organisation and take it over. `role_paths` lets lists pass preloaded role paths.
    """
    if viewer is None or not viewer.is_authenticated:
        return False
    if viewer.is_admin:
        return True
    if person.is_admin:
        return False
    mine = admin_org_ids(viewer)
    if not mine:
        return False
    org = person.membership_org
    if org is None or not _in_subtree(mine, org.path):
        return False
    if role_paths is None:
        role_paths = [a.organisation.path for a in person.admin_of]
    return all(_in_subtree(mine, path) for path in role_paths)


def administered_people_clause(viewer: Person) -> ColumnElement[bool]:
    """SQL form of `can_administer_person` on Person, for lists (same rule, row by row)."""
    if viewer.is_admin:
        return true()
    paths = [a.organisation.path for a in viewer.admin_of]
    if not paths:
        return false()
    subtree = select(Organisation.id).where(or_(*(Organisation.path.startswith(p) for p in paths)))
    role_outside = select(OrgAdmin.id).where(
        OrgAdmin.person_id == Person.id, OrgAdmin.organisation_id.not_in(subtree)
    )
    return and_(
        Person.is_admin.is_(False),
        Person.membership_org_id.in_(subtree),
        ~role_outside.exists(),
    )


def can_view_profile(viewer: Person | None, person: Person) -> bool:
    """Active accounts for everyone signed in; deactivated ones only for their admins."""
    return person.is_active_account or can_administer_person(viewer, person)


def can_edit_profile(viewer: Person | None, person: Person) -> bool:
    """The person themself, or someone who administers them."""
    if viewer is not None and viewer.is_authenticated and viewer.id == person.id:
        return True
    return can_administer_person(viewer, person)


def loaded_org_ties(person: Person) -> set[tuple[str, int]] | None:
    """`affiliations`' organisations of one person read from rows already loaded (its
    positions and membership), or None when they are not loaded (then a query reads them).
    """
    state: InstanceState[Person] = inspect(person)
    if not state.persistent or {"positions", "membership_org_id"} & state.unloaded:
        return None
    ties = {("org", pos.organisation_id) for pos in person.positions if pos.grants_access}
    if person.membership_org_id is not None:
        ties.add(("org", person.membership_org_id))
    return ties


def affiliations(
    person_ids: Iterable[int],
    role_paths: dict[int, list[str]] | None = None,
    known: dict[int, set[tuple[str, int]]] | None = None,
) -> dict[int, set[tuple[str, int]]]:
    """For each person: the organisations (confirmed posts, current or past; membership) and
    the vetted groups they belong to.

    With a `role_paths` dict, the paths of the people's admin roles are filled in by the
    same query (lists shown to admins need both, for the admin hierarchy). `known` gives
    the organisation ties of some people already (`loaded_org_ties`): they are not queried.
    """
    ids = set(person_ids)
    result: dict[int, set[tuple[str, int]]] = {pid: set() for pid in ids}
    if not ids:
        return result
    given = {} if role_paths is not None else {p: t for p, t in (known or {}).items() if p in ids}
    for pid, ties in given.items():
        result[pid] = set(ties)
    unknown = ids - given.keys()
    if unknown:
        _read_org_ties(unknown, result, role_paths)
    for source in _affiliation_sources:
        for pid, ties in source(ids).items():
            result.setdefault(pid, set()).update(ties)
    return result


def _read_org_ties(
    ids: set[int], result: dict[int, set[tuple[str, int]]], role_paths: dict[int, list[str]] | None
) -> None:
    # Only confirmed positions make colleagues: a self-declared claim grants nothing.
    parts = [
        select(Position.person_id, Position.organisation_id, literal("")).where(
            Position.person_id.in_(ids), Position.grants_access
        ),
        select(Person.id, Person.membership_org_id, literal("")).where(
            Person.id.in_(ids), Person.membership_org_id.is_not(None)
        ),
    ]
    if role_paths is not None:
        for pid in ids:
            role_paths.setdefault(pid, [])
        parts.append(
            select(OrgAdmin.person_id, OrgAdmin.organisation_id, Organisation.path)
            .join(Organisation, Organisation.id == OrgAdmin.organisation_id)
            .where(OrgAdmin.person_id.in_(ids))
        )
    query = union(*parts)
    for pid, org_id, path in db.session.execute(query):
        if path:
            assert role_paths is not None
            role_paths[pid].append(path)
        elif org_id is not None:
            result[pid].add(("org", org_id))


class ContactPolicy:
    """Decides, for one viewer, which contact fields of which people are visible.

    Built once per request for a whole list: two queries at most, whatever its length (one
    when the people's posts and memberships are loaded already).
    """

    def __init__(self, viewer: Person | None, people: Iterable[Person] = ()) -> None:
        self.viewer = viewer
        self._people: dict[int, Person] = {}
        self._ties: dict[int, set[tuple[str, int]]] = {}
        self._role_paths: dict[int, list[str]] = {}
        self._manages = bool(
            viewer is not None
            and viewer.is_authenticated
            and not viewer.is_admin
            and viewer.admin_of
        )
        self.add(people)

    def add(self, people: Iterable[Person]) -> None:
        """Load the ties of more people (one query, or only the groups' when their posts
        and memberships are loaded already, as search and lists load them)."""
        new = [p for p in people if p.id not in self._ties]
        ids = {p.id for p in new}
        known: dict[int, set[tuple[str, int]]] = {}
        candidates = list(new)
        if self.viewer is not None and self.viewer.is_authenticated:
            ids.add(self.viewer.id)
            candidates.append(self.viewer)
        ids -= set(self._ties)
        if ids and not self._manages:
            for p in candidates:
                if p.id in ids and p.id not in known:
                    ties = loaded_org_ties(p)
                    if ties is not None:
                        known[p.id] = ties
        if ids:
            roles = self._role_paths if self._manages else None
            self._ties.update(affiliations(ids, roles, known))
        for p in new:
            self._people[p.id] = p

    def administers(self, person: Person) -> bool:
        """`can_administer_person` with the admin roles of the list loaded at once."""
        if person.id not in self._people:
            self.add([person])
        return can_administer_person(self.viewer, person, self._role_paths.get(person.id))

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
        if viewer.id == person.id or self.administers(person):
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


def can_see_position(viewer: Person | None, position: Position) -> bool:
    """Confirmed posts are public to the signed-in; claims (pending, rejected) are seen by
    the person, by admins who manage them, and by admins of the claimed organisation."""
    if position.grants_access:
        return True
    if viewer is None or not viewer.is_authenticated:
        return False
    if viewer.id == position.person_id:
        return True
    return can_review_position(viewer, position) or can_administer_person(viewer, position.person)


def can_review_position(viewer: Person | None, position: Position) -> bool:
    """Confirm or reject a claim, end or remove a post: admins of its organisation or above."""
    return is_org_admin(viewer, position.organisation)


def can_manage_position(viewer: Person | None, position: Position) -> bool:
    """Edit, end or delete a position: whoever may edit the profile, or an organisation admin
    of the post (so a false claim in their organisation can always be ended)."""
    return can_edit_profile(viewer, position.person) or can_review_position(viewer, position)


def reviewable_claims_clause(viewer: Person) -> ColumnElement[bool]:
    """SQL on Position: pending claims in organisations the viewer administers (or below)."""
    pending = Position.status == PositionStatus.PENDING
    if viewer.is_admin:
        return pending
    paths = [a.organisation.path for a in viewer.admin_of]
    if not paths:
        return false()
    subtree = select(Organisation.id).where(or_(*(Organisation.path.startswith(p) for p in paths)))
    return and_(pending, Position.organisation_id.in_(subtree))


def org_admins_query(org: Organisation):
    """People who administer `org` directly or through an ancestor."""
    return select(Person).join(OrgAdmin).where(OrgAdmin.organisation_id.in_(org.ancestor_ids))
