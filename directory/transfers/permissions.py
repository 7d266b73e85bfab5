"""Who may see and act on membership transfers (the actors of the state machine).

The same predicates serve detail pages, lists, dashboards and exports: a list is the
SQL form (`visible_clause`) of the per-row rule (`can_view_transfer`).
"""

from __future__ import annotations

from typing import Any, TypeGuard

from sqlalchemy import ColumnElement, false, or_, select

from directory.orgs.models import Organisation
from directory.orgs.permissions import admin_org_ids, is_org_admin
from directory.people.models import Person
from directory.transfers.models import Transfer, TransferBatch


def _signed_in(viewer: Person | None) -> TypeGuard[Person]:
    return viewer is not None and bool(viewer.is_authenticated)


def is_requester(viewer: Person | None, transfer: Transfer) -> bool:
    """The person who started (and may correct or withdraw) the transfer."""
    return _signed_in(viewer) and viewer.id == transfer.requested_by_id


def can_act_out(viewer: Person | None, transfer: Transfer) -> bool:
    """Admins of the sending organisation or of an ancestor: the 转出 step."""
    return is_org_admin(viewer, transfer.from_org)


def can_act_in(viewer: Person | None, transfer: Transfer) -> bool:
    """Admins of the receiving organisation or of an ancestor: the 转入 step."""
    return is_org_admin(viewer, transfer.to_org)


def can_view_transfer(viewer: Person | None, transfer: Transfer) -> bool:
    """The member, the requester, admins of either side (or the assigned branch), system admins."""
    if not _signed_in(viewer):
        return False
    assert viewer is not None
    if viewer.id in (transfer.person_id, transfer.requested_by_id):
        return True
    if can_act_out(viewer, transfer) or can_act_in(viewer, transfer):
        return True
    return transfer.final_org is not None and is_org_admin(viewer, transfer.final_org)


def can_start_transfer(viewer: Person | None, person: Person, to_org: Organisation) -> bool:
    """The member themself, an admin of their organisation (转出) or of the destination (转入)."""
    if not _signed_in(viewer):
        return False
    assert viewer is not None
    if viewer.id == person.id:
        return True
    if person.membership_org is not None and is_org_admin(viewer, person.membership_org):
        return True
    return is_org_admin(viewer, to_org)


def can_view_dashboard(viewer: Person | None, org: Organisation) -> bool:
    """An organisation's transfer dashboard: its admins (and their ancestors')."""
    return is_org_admin(viewer, org)


def can_view_batch(viewer: Person | None, batch: TransferBatch) -> bool:
    """A batch page: the admin who submitted it, and system admins."""
    if not _signed_in(viewer):
        return False
    assert viewer is not None
    return viewer.is_admin or viewer.id == batch.created_by_id


def subtree_ids(paths: list[str]):
    """A sub-select of the ids of every organisation under (and including) these paths."""
    if not paths:
        return select(Organisation.id).where(false())
    return select(Organisation.id).where(or_(*(Organisation.path.startswith(p) for p in paths)))


def admin_subtree(viewer: Person) -> Any:
    """A sub-select of the ids of every organisation `viewer` administers, with their subtrees."""
    return subtree_ids([p for p in _paths_of(admin_org_ids(viewer)) if p])


def visible_clause(viewer: Person) -> ColumnElement[bool]:
    """SQL form of `can_view_transfer`, for lists and counts."""
    if viewer.is_admin:
        return Transfer.id.is_not(None)
    mine = or_(Transfer.person_id == viewer.id, Transfer.requested_by_id == viewer.id)
    ids = admin_org_ids(viewer)
    if not ids:
        return mine
    paths = [
        p for p in _paths_of(ids) if p
    ]  # admins see both sides of every transfer touching their subtrees
    sub = subtree_ids(paths)
    return or_(
        mine,
        Transfer.from_org_id.in_(sub),
        Transfer.to_org_id.in_(sub),
        Transfer.final_org_id.in_(sub),
    )


def _paths_of(org_ids: set[int]) -> list[str]:
    from directory.extensions import db

    return list(db.session.scalars(select(Organisation.path).where(Organisation.id.in_(org_ids))))
