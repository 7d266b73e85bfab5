"""What the transfer forms' pickers offer and how their input becomes people and places.

Members are picked by name, pinyin or organisation among the people the user may move
(the members of the organisations they administer; everyone for a system admin);
organisations by name (a branch of an acceptance: only branches under the destination).
References the older forms and the batch files use ("名称 #编号", an e-mail) still work.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from directory.core.errors import DomainError
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.orgs.permissions import admin_org_ids
from directory.orgs.picker import pick_org
from directory.people.models import Person
from directory.people.picker import person_choice
from directory.people.services import pick_people
from directory.transfers import accepting
from directory.transfers.permissions import admin_subtree
from directory.web.picker import PickerField, resolve


def member_candidates(actor: Person, text: str, limit: int = 10) -> list[Person]:
    """People `actor` may start a transfer for whose name, pinyin or organisation matches."""
    if "@" in text or "#" in text:
        try:
            return [accepting.resolve_person(text)]
        except DomainError:
            return []
    if actor.is_admin:
        return pick_people(text, limit=limit)
    if not admin_org_ids(actor):
        return []
    return pick_people(text, org_ids=admin_subtree(actor), limit=limit)


def pick_member(actor: Person, field: PickerField) -> Person | None:
    """The member picked in `field` (None with an error on the field if unclear)."""
    return resolve(
        field,
        lambda i: db.session.scalar(select(Person).where(Person.id == i, Person.is_active_account)),
        lambda q: member_candidates(actor, q),
        person_choice,
        missing=_("请选择成员。"),
        not_found=_("找不到成员：%(m)s", m=field.text),
    )


def pick_destination(field: PickerField) -> Organisation | None:
    """The destination organisation picked in `field`."""
    return pick_org(field, missing=_("请选择转入的团组织。"))


def pick_branch(field: PickerField, destination: Organisation) -> Organisation | None:
    """The receiving branch picked in `field`, among the live branches under `destination`."""
    return pick_org(field, lambda q: accepting.branches_under(destination, q))


def member_options(actor: Person, text: str) -> list:
    """Choices for the member picker."""
    return [person_choice(p) for p in member_candidates(actor, text)] if text else []
