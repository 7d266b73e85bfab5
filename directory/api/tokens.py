"""Personal access tokens: create (the secret is returned once), revoke, authenticate."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update

from directory.api import audit
from directory.api.models import SCOPES, ApiToken
from directory.api.permissions import can_create_token, can_manage_tokens
from directory.core import time as clock
from directory.core.errors import NotFound, PermissionDenied, ValidationError
from directory.core.uow import transactional, unit_of_work
from directory.extensions import db
from directory.people.models import Person

PREFIX = "tyl_"
NAME_MAX = 80
MAX_DAYS = 366
EXPIRY_CHOICES = (7, 30, 90, 365)
MAX_LIVE_TOKENS = 20
# A token's last use is written at most this often (each use is audited regardless).
TOUCH_EVERY = timedelta(minutes=1)


def digest(secret: str) -> str:
    """The stored form of a secret."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class NewToken:
    token: ApiToken
    secret: str  # shown once, never stored


def tokens_of(owner: Person) -> list[ApiToken]:
    """Every token of `owner`, newest first (revoked and expired ones included)."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.person_id == owner.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def clean_scopes(scopes: list[str] | tuple[str, ...]) -> str:
    """Scopes as stored; refuses unknown or none. `transfers` implies `read`."""
    chosen = set(scopes)
    if not chosen or not chosen <= set(SCOPES):
        raise ValidationError(_("请选择令牌的权限范围。"), field="scopes")
    chosen.add("read")
    return " ".join(s for s in SCOPES if s in chosen)


@transactional
def create_token(actor: Person, name: str, scopes: list[str], days: int) -> NewToken:
    """Make a token for `actor` itself; the secret is in the result and nowhere else."""
    if not can_create_token(actor, actor):
        raise PermissionDenied(_("你无权执行此操作。"))
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError(_("请填写令牌名称。"), field="name")
    if len(name) > NAME_MAX:
        raise ValidationError(_("内容太长（最多 %(n)d 个字）。", n=NAME_MAX), field="name")
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(_("有效期应为 1 到 %(n)d 天。", n=MAX_DAYS), field="days")
    stored = clean_scopes(scopes)
    now = clock.now()
    live = [t for t in tokens_of(actor) if t.is_usable(now)]
    if len(live) >= MAX_LIVE_TOKENS:
        raise ValidationError(
            _("有效令牌最多 %(n)d 个，请先撤销不用的令牌。", n=MAX_LIVE_TOKENS), field="name"
        )
    secret = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        person_id=actor.id,
        name=name,
        digest=digest(secret),
        prefix=secret[: len(PREFIX) + 4],
        scopes=stored,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    audit.record(
        "api.token_created", actor, actor, {"token_id": token.id, "scopes": stored, "days": days}
    )
    return NewToken(token, secret)


def get_token(actor: Person, token_id: int) -> ApiToken:
    """A token the actor may manage (NotFound otherwise: ids cannot be probed)."""
    token = db.session.get(ApiToken, token_id)
    if token is None or not can_manage_tokens(actor, token.person):
        raise NotFound(_("令牌不存在，或你无权查看。"))
    return token


@transactional
def revoke_token(actor: Person, token_id: int) -> ApiToken:
    """Revoke a token (its owner, or an admin of the owner's account); idempotent."""
    token = get_token(actor, token_id)
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        token.revoked_by_id = actor.id
        audit.record("api.token_revoked", actor, token.person, {"token_id": token.id})
    return token


def authenticate(secret: str) -> ApiToken | None:
    """The usable token with this secret and an active owner, or None."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.digest == digest(secret)))
    if token is None or not token.is_usable(clock.now()):
        return None
    if not token.person.is_active_account:
        return None
    return token


def record_use(token: ApiToken, method: str, path: str, status: int) -> None:
    """Audit one use of a token and keep its last-use time (written at most once a minute)."""
    now: datetime = clock.now()
    with unit_of_work():
        if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
            db.session.execute(
                update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now)
            )
        audit.record(
            "api.token_used",
            token.person,
            None,
            {"token_id": token.id, "method": method, "path": path[:200], "status": status},
        )
