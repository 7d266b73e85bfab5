"""Who may send a notice, read it, and see its coverage (and for which part of the tree).

Only confirmed facts count: recipients are people with a confirmed current position, and
coverage is for admins of the sending organisation or of an organisation inside its subtree
(each sees their own part).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, literal, or_, true

from directory.notices.models import Notice
from directory.orgs.models import Organisation
from directory.orgs.permissions import is_org_admin
from directory.people.models import Person
from directory.people.permissions import is_any_org_admin


def can_compose(viewer: Person | None, org: Organisation) -> bool:
    """Admins of the organisation (or above) send notices to its subtree."""
    return not org.is_dissolved and is_org_admin(viewer, org)


def can_compose_any(viewer: Person | None) -> bool:
    """Whether the "new notice" page is for this person at all."""
    return is_any_org_admin(viewer)


def in_notice_scope(notice: Notice, org: Organisation) -> bool:
    """True when `org` lies in the notice's subtree (the part it was sent to)."""
    return org.path.startswith(notice.org.path)


def can_view_coverage(viewer: Person | None, notice: Notice, org: Organisation) -> bool:
    """Coverage of `org`'s part: its admins (or above), when it lies inside the notice's subtree."""
    return in_notice_scope(notice, org) and is_org_admin(viewer, org)


def coverage_root(viewer: Person | None, notice: Notice) -> Organisation | None:
    """The highest organisation whose coverage the viewer sees (None: none at all)."""
    if viewer is None or not viewer.is_authenticated:
        return None
    if is_org_admin(viewer, notice.org):
        return notice.org
    mine = [
        a.organisation for a in viewer.admin_of if a.organisation.path.startswith(notice.org.path)
    ]
    return min(mine, key=lambda o: (len(o.path), o.id)) if mine else None


def managed_notices_clause(viewer: Person) -> ColumnElement[bool]:
    """SQL form for the admin's list: notices sent above (reaching their part) or inside it."""
    if viewer.is_admin:
        return true()
    paths = [a.organisation.path for a in viewer.admin_of]
    clauses: list[ColumnElement[bool]] = []
    for path in paths:
        clauses.append(Organisation.path.startswith(path))
        clauses.append(literal(path).startswith(Organisation.path))
    return or_(*clauses) if clauses else literal(False)
