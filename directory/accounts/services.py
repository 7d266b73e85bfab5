"""Accounts: sign-in, passwords, invitations, account creation.

Administration of existing accounts lives in `account_admin`.
"""

from __future__ import annotations

import logging

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from directory import audit
from directory.core import time as clock
from directory.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from directory.core.passwords import hash_password, needs_rehash, verify_password
from directory.core.uow import transactional, unit_of_work
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.people.models import Person, new_session_token

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 8
MAX_NAME_LENGTH = 40
MAX_EMAIL_LENGTH = 254


def _normalise_email(email: str) -> str:
    return email.strip().lower()


@transactional
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
    person.last_login_at = clock.now()
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


@transactional
def change_password(person: Person, current: str, new: str) -> None:
    """Change a password after checking the current one; ends the person's other sessions."""
    if not verify_password(person.password_hash, current):
        raise ValidationError(_("当前密码不正确。"), field="current_password")
    check_new_password(new)
    person.password_hash = hash_password(new)
    person.session_token = new_session_token()
    log.info("person %s changed their password", person.id)


@transactional
def end_sessions(person: Person) -> None:
    """Sign the person out everywhere: a new session token invalidates every cookie."""
    person.session_token = new_session_token()
    log.info("person %s signed out", person.id)


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
        from directory.orgs.permissions import is_org_admin

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
    from directory.people.services import pinyin_of

    person = Person(
        name=name,
        name_pinyin=pinyin_of(name),
        email=email,
        is_admin=is_admin,
        membership_org_id=membership_org_id,
        password_hash=hash_password(password) if password else None,
    )
    try:
        with unit_of_work():
            db.session.add(person)
            db.session.flush()
            audit.record(
                "account.create", actor=actor, subject_person=person, details={"admin": is_admin}
            )
    except IntegrityError:
        # Another request took the address between our check and our insert.
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


@transactional
def accept_invitation(token: str, password: str) -> Person:
    """Set the password of the invited person; the token cannot be used again."""
    person = person_for_invitation(token)
    check_new_password(password)
    person.password_hash = hash_password(password)
    person.session_token = new_session_token()
    log.info("person %s accepted an invitation", person.id)
    return person


def reset_mail(email: str) -> tuple[str, str] | None:
    """(address, token) for a forgotten password, or None when no active account has it.

    The token is an invitation token: it sets a new password once and dies when the
    password changes. Nothing is written, so asking twice is harmless.
    """
    address = _normalise_email(email)
    person = db.session.scalar(select(Person).where(Person.email == address))
    if person is None or not person.is_active_account:
        return None
    return person.email, invitation_token(person)
