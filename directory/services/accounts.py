"""Accounts: sign-in, passwords, invitations, and account administration by admins.

Every administrative call checks the actor's permission itself, runs in one
transaction and logs what it did for the operator.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from directory.extensions import db
from directory.models import Organisation, Person
from directory.models.people import new_session_token
from directory.services.errors import Conflict, NotFound, PermissionDenied, ValidationError
from directory.services.passwords import hash_password, needs_rehash, verify_password

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 8
MAX_NAME_LENGTH = 40
MAX_EMAIL_LENGTH = 254


def _normalise_email(email: str) -> str:
    return email.strip().lower()


def authenticate(email: str, password: str) -> Person | None:
    """The active person with this e-mail and password, or None. Upgrades old hashes."""
    person = db.session.scalar(select(Person).where(Person.email == _normalise_email(email)))
    if person is None or not person.is_active_account:
        # Spend the same time as a real check so timing does not reveal accounts.
        verify_password(_dummy_hash(), password)
        return None
    if not verify_password(person.password_hash, password):
        return None
    if person.password_hash and needs_rehash(person.password_hash):
        person.password_hash = hash_password(password)
    person.last_login_at = datetime.now(UTC).replace(tzinfo=None)
    db.session.commit()
    return person


_DUMMY: dict[str, str] = {}


def _dummy_hash() -> str:
    if "h" not in _DUMMY:
        _DUMMY["h"] = hash_password("not-a-real-password")
    return _DUMMY["h"]


def check_new_password(password: str) -> None:
    """Raise ValidationError when a new password is too weak."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(
            _("密码至少需要 %(n)d 个字符。", n=MIN_PASSWORD_LENGTH), field="new_password"
        )
    if len(password) > 200:
        raise ValidationError(_("密码太长（最多 200 个字符）。"), field="new_password")
    if password.isdigit() or len(set(password)) < 4:
        raise ValidationError(_("密码太简单，请混合使用字母、数字或符号。"), field="new_password")


def change_password(person: Person, current: str, new: str) -> None:
    """Change a password after checking the current one; ends the person's other sessions."""
    if not verify_password(person.password_hash, current):
        raise ValidationError(_("当前密码不正确。"), field="current_password")
    check_new_password(new)
    person.password_hash = hash_password(new)
    person.session_token = new_session_token()
    db.session.commit()
    log.info("person %s changed their password", person.id)


def check_name(name: str) -> str:
    """The trimmed name, or ValidationError when empty or too long."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("请输入姓名。"), field="name")
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(_("姓名太长（最多 %(n)d 个字符）。", n=MAX_NAME_LENGTH), field="name")
    return name


def check_email(email: str) -> str:
    """The normalised e-mail address, or ValidationError when it is malformed."""
    email = _normalise_email(email or "")
    if len(email) > MAX_EMAIL_LENGTH:
        raise ValidationError(_("电子邮箱太长。"), field="email")
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        raise ValidationError(_("电子邮箱格式不正确。"), field="email") from None
    return email


def create_account(
    *,
    actor: Person | None,
    name: str,
    email: str,
    membership_org_id: int | None = None,
    is_admin: bool = False,
    password: str | None = None,
) -> Person:
    """Create an account (admins only; `actor=None` for the CLI). No password: invitation."""
    if actor is not None and not actor.is_admin:
        if is_admin:
            raise PermissionDenied(_("只有系统管理员可以创建此类账号。"))
        if membership_org_id is None:
            raise ValidationError(_("请选择团组织。"), field="membership_org")
        org = db.session.get(Organisation, membership_org_id)
        from directory.permissions import is_org_admin

        if org is not None and not is_org_admin(actor, org):
            raise PermissionDenied(_("你只能为自己管理的团组织创建账号。"))
    name = check_name(name)
    email = check_email(email)
    if db.session.scalar(select(func.count()).where(Person.email == email)):
        raise Conflict(_("该电子邮箱已被使用。"), field="email")
    if membership_org_id is not None and db.session.get(Organisation, membership_org_id) is None:
        raise NotFound(_("团组织不存在。"), field="membership_org")
    if password is not None:
        check_new_password(password)
    from directory.services.people import pinyin_of

    person = Person(
        name=name,
        name_pinyin=pinyin_of(name),
        email=email,
        is_admin=is_admin,
        membership_org_id=membership_org_id,
        password_hash=hash_password(password) if password else None,
    )
    db.session.add(person)
    try:
        db.session.commit()
    except IntegrityError:
        # Another request took the address between our check and our insert.
        db.session.rollback()
        raise Conflict(_("该电子邮箱已被使用。"), field="email") from None
    log.info(
        "account %s <%s> created by %s (system admin: %s)",
        person.id,
        email,
        actor.id if actor else "cli",
        is_admin,
    )
    return person


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="invitation")


def invitation_token(person: Person) -> str:
    """A signed token for setting a password; it dies once the password changes."""
    return _serializer().dumps([person.id, person.session_token])


def person_for_invitation(token: str) -> Person:
    """The person an invitation token is for; raises NotFound for a bad or used token."""
    try:
        pid, session_token = _serializer().loads(
            token, max_age=current_app.config["INVITATION_MAX_AGE"]
        )
    except SignatureExpired:
        raise NotFound(_("邀请链接已过期，请联系管理员重新发送。")) from None
    except (BadSignature, ValueError, TypeError):
        raise NotFound(_("邀请链接无效。")) from None
    person = db.session.get(Person, pid) if isinstance(pid, int) else None
    if person is None or person.session_token != session_token or not person.is_active_account:
        raise NotFound(_("邀请链接无效或已被使用。"))
    return person


def accept_invitation(token: str, password: str) -> Person:
    """Set the password of the invited person; the token cannot be used again."""
    person = person_for_invitation(token)
    check_new_password(password)
    person.password_hash = hash_password(password)
    person.session_token = new_session_token()
    db.session.commit()
    log.info("person %s accepted an invitation", person.id)
    return person


# --- Administration ---------------------------------------------------------------------


@dataclass
class AccountPage:
    """One page of the account list."""

    items: list[Person]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def _managed_filter(actor: Person):  # type: ignore[no-untyped-def]
    """SQL condition: the person's membership organisation is in one of the actor's subtrees."""
    ids = sorted({a.organisation_id for a in actor.admin_of})
    subtree = or_(*(Organisation.path.like(f"%/{i}/%") for i in ids))
    return Person.membership_org_id.in_(select(Organisation.id).where(subtree))


def list_accounts(actor: Person, query: str = "", page: int = 1, per_page: int = 20) -> AccountPage:
    """Accounts the actor may manage, filtered by name, pinyin or e-mail (two queries)."""
    from directory.permissions import is_any_org_admin

    if not is_any_org_admin(actor):
        raise PermissionDenied(_("你没有权限执行此操作。"))
    stmt = select(Person)
    if not actor.is_admin:
        # The same rule as can_manage_account: their subtrees, system admins excluded.
        stmt = stmt.where(_managed_filter(actor), Person.is_admin.is_(False))
    query = (query or "").strip()[:100]
    if query:
        like = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                Person.name.like(like, escape="\\"),
                Person.name_pinyin.like(like.lower(), escape="\\"),
                Person.email.like(like.lower(), escape="\\"),
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
    return AccountPage(list(items), total, page, per_page)


def can_manage_account(actor: Person | None, person: Person) -> bool:
    """System admins manage everyone; org admins manage non-admin accounts in their subtrees."""
    from directory.permissions import can_administer_person

    if actor is None or not actor.is_authenticated:
        return False
    if actor.is_admin:
        return True
    return not person.is_admin and can_administer_person(actor, person)


def get_managed_account(actor: Person, person_id: int) -> Person:
    """The account with this id if the actor may manage it (NotFound / PermissionDenied)."""
    person = db.session.get(Person, person_id, options=[joinedload(Person.membership_org)])
    if person is None:
        raise NotFound(_("账号不存在。"))
    if not can_manage_account(actor, person):
        raise PermissionDenied(_("你没有权限管理这个账号。"))
    return person


def reissue_invitation(actor: Person, person_id: int) -> Person:
    """Force a password reset: clear the password, rotate the session token (signs out
    everywhere, kills older links); the account then shows a fresh invitation link."""
    person = get_managed_account(actor, person_id)
    if not person.is_active_account:
        raise Conflict(_("账号已停用，请先启用。"))
    person.password_hash = None
    person.session_token = new_session_token()
    db.session.commit()
    log.info("password of account %s reset by %s", person.id, actor.id)
    return person


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
    db.session.commit()
    log.info("account %s %s by %s", person.id, "reactivated" if active else "deactivated", actor.id)
    return person


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
    db.session.commit()
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
        db.session.rollback()
        raise Conflict(_("至少要保留一名有效的系统管理员。"))
