"""Organisation admins (组织管理员): appointing and removing them, and what keeps an
organisation from being dissolved (its current cadres).

The role is a person's (`OrgAdmin`); who may appoint is asked of the organisation
(`orgs.services.managed_org`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from directory import audit
from directory.core.errors import NotFound, ValidationError
from directory.core.messages import _m
from directory.core.uow import unit_of_work
from directory.extensions import db
from directory.notifications.services import notify
from directory.orgs.services import managed_org, org_link
from directory.people.models import OrgAdmin, Person, Position


def add_org_admin(actor: Person, org_id: int, person_id: int) -> Person:
    """Make an existing, active account an admin of the organisation."""
    with unit_of_work():
        org = managed_org(actor, org_id, live=True, lock=True)
        person = db.session.scalar(
            select(Person).where(Person.id == person_id, Person.is_active_account)
        )
        if person is None:
            raise ValidationError(_("该账号不存在或已停用。"), field="person")
        exists = db.session.scalar(
            select(OrgAdmin.id).where(
                OrgAdmin.organisation_id == org.id, OrgAdmin.person_id == person.id
            )
        )
        if exists is not None:
            raise ValidationError(
                _("%(name)s 已经是该组织的管理员。", name=person.name), field="person"
            )
        db.session.add(OrgAdmin(organisation_id=org.id, person_id=person.id))
        audit.record("org.admin_add", actor=actor, subject_person=person, org=org)
        notify(
            [person.id],
            "org_admin_added",
            _m("你已被设为“%(org)s”的管理员。", org=org.name),
            org_link(org),
        )
        return person


def remove_org_admin(actor: Person, org_id: int, person_id: int) -> None:
    """Remove an admin; the last one may not remove themself unless a system admin."""
    with unit_of_work():
        org = managed_org(actor, org_id, lock=True)
        row = db.session.scalar(
            select(OrgAdmin).where(
                OrgAdmin.organisation_id == org.id, OrgAdmin.person_id == person_id
            )
        )
        if row is None:
            raise NotFound(_("此人不是该组织的管理员。"))
        if person_id == actor.id and not actor.is_admin:
            # Any other appointment on the org or above it keeps the org administered.
            others = db.session.scalar(
                select(func.count()).where(
                    OrgAdmin.organisation_id.in_(org.ancestor_ids), OrgAdmin.id != row.id
                )
            )
            if not others:
                raise ValidationError(
                    _("你是该组织唯一的管理员，不能移除自己。请先添加另一位管理员。")
                )
        audit.record("org.admin_remove", actor=actor, subject_person=row.person, org=org)
        db.session.delete(row)


def current_posts_keep(_sender: object, *, org_id: int) -> tuple[Select[Any], Callable[[int], str]]:
    """Receiver of `core.signals.org_dissolving`: current cadres keep an organisation."""
    rows = select(Position.id).where(
        Position.organisation_id == org_id, Position.grants_access, Position.end_date.is_(None)
    )
    return rows, lambda n: _("还有 %(n)d 名现任团干部，请先结束他们的职务。", n=n)
