"""Account administration: list, reset, deactivate, system admin rights.

Every call checks the actor's permission itself, runs in one transaction and logs
what it did for the operator.
"""

from __future__ import annotations

import logging

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from directory import audit
from directory.core.errors import Conflict, NotFound, PermissionDenied
from directory.core.pagination import ListPage
from directory.core.sql import contains
from directory.core.uow import transactional
from directory.extensions import db
from directory.people.models import Person, new_session_token
from directory.people.permissions import (
    administered_people_clause,
    can_administer_person,
    is_any_org_admin,
)

log = logging.getLogger(__name__)


def list_accounts(
    actor: Person, query: str = "", page: int = 1, per_page: int = 20
) -> ListPage[Person]:
    """Accounts the actor may manage, filtered by name, pinyin or e-mail (two queries)."""
    if not is_any_org_admin(actor):
        raise PermissionDenied(_("你没有权限执行此操作。"))
    # The same rule as can_manage_account, in SQL: the admin hierarchy.
    stmt = select(Person).where(administered_people_clause(actor))
    query = (query or "").strip()[:100]
    if query:
        stmt = stmt.where(
            or_(
                contains(Person.name, query),
                contains(Person.name_pinyin, query.lower()),
                contains(Person.email, query.lower()),
            )
        )
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = max(1, page)
    items = db.session.scalars(
        stmt.options(joinedload(Person.membership_org))
        .order_by(Person.name_pinyin, Person.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return ListPage(list(items), total, page, per_page)


def can_manage_account(actor: Person | None, person: Person) -> bool:
    """The admin hierarchy (`can_administer_person`): system admins manage everyone; an org
    admin manages non-admin accounts whose membership and every admin role lie in their
    subtrees, so a lower admin can never reset or take over a higher one."""
    return can_administer_person(actor, person)


def get_managed_account(actor: Person, person_id: int) -> Person:
    """The account with this id if the actor may manage it (NotFound / PermissionDenied)."""
    person = db.session.get(Person, person_id, options=[joinedload(Person.membership_org)])
    if person is None:
        raise NotFound(_("账号不存在。"))
    if not can_manage_account(actor, person):
        raise PermissionDenied(_("你没有权限管理这个账号。"))
    return person


@transactional
def reissue_invitation(actor: Person, person_id: int) -> Person:
    """Force a password reset: clear the password, rotate the session token (signs out
    everywhere, kills older links); the account then shows a fresh invitation link."""
    person = get_managed_account(actor, person_id)
    if not person.is_active_account:
        raise Conflict(_("账号已停用，请先启用。"))
    person.password_hash = None
    person.session_token = new_session_token()
    audit.record("account.reset", actor=actor, subject_person=person)
    log.info("password of account %s reset by %s", person.id, actor.id)
    return person


@transactional
def set_active(actor: Person, person_id: int, active: bool) -> Person:
    """Deactivate or reactivate an account (never one's own); deactivating signs it out."""
    person = get_managed_account(actor, person_id)
    if person.id == actor.id:
        raise PermissionDenied(_("不能停用或启用自己的账号。"))
    if person.is_active_account == active:
        return person
    if not active and person.is_admin:
        _lock_active_admins()
    person.is_active_account = active
    person.session_token = new_session_token()
    db.session.flush()
    if not active and person.is_admin:
        _require_an_active_admin()
    audit.record(
        "account.activate" if active else "account.deactivate", actor=actor, subject_person=person
    )
    log.info("account %s %s by %s", person.id, "reactivated" if active else "deactivated", actor.id)
    return person


@transactional
def set_system_admin(actor: Person, person_id: int, is_admin: bool) -> Person:
    """Grant or revoke system admin (system admins only; one active admin always remains)."""
    if not actor.is_admin:
        raise PermissionDenied(_("只有系统管理员可以授予或撤销系统管理员权限。"))
    person = get_managed_account(actor, person_id)
    if person.is_admin == is_admin:
        return person
    if not is_admin:
        _lock_active_admins()
    person.is_admin = is_admin
    db.session.flush()
    if not is_admin:
        _require_an_active_admin()
    audit.record(
        "account.admin_grant" if is_admin else "account.admin_revoke",
        actor=actor,
        subject_person=person,
    )
    log.info(
        "system admin %s for account %s by %s",
        "granted" if is_admin else "revoked",
        person.id,
        actor.id,
    )
    return person


def _lock_active_admins() -> None:
    # Lock every active admin row so two admins demoting each other at once cannot
    # both see "another admin remains" (PostgreSQL; SQLite serialises writers anyway).
    db.session.execute(
        select(Person.id)
        .where(Person.is_admin.is_(True), Person.is_active_account.is_(True))
        .with_for_update()
    ).all()


def _require_an_active_admin() -> None:
    remaining = db.session.scalar(
        select(func.count())
        .select_from(Person)
        .where(Person.is_admin.is_(True), Person.is_active_account.is_(True))
    )
    if not remaining:
        raise Conflict(_("至少要保留一名有效的系统管理员。"))
