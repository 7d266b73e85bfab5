"""How an API request is authorised: a bearer token, or a session with CSRF for writes.

A request with an `Authorization` header is judged by its token alone (cookies are
ignored: a token never rides on a browser session). Without one, the browser session
works as on the pages, but a write must carry the CSRF token in `X-CSRFToken`, so a
page on another site cannot drive the API with the visitor's cookies.
"""

from __future__ import annotations

import hashlib

from flask import g, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms import ValidationError as WTFValidationError

from directory.api import tokens
from directory.api.models import ApiToken
from directory.api.permissions import token_allows
from directory.api.problems import ApiProblem

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: endpoints anyone may read: the description and its reference page hold no personal data
PUBLIC_ENDPOINTS = frozenset({"api.openapi", "api.reference"})


def current_token() -> ApiToken | None:
    """The token this request is authorised by (None for a session)."""
    return g.get("api_token")


def _bearer() -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _sep, secret = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise ApiProblem(401, _("Authorization 头应为“Bearer <令牌>”。"))
    return secret.strip()


def authorise() -> None:
    """The API blueprint's before_request: token or session, scope and CSRF checks."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    secret = _bearer()
    if secret is not None:
        token = tokens.authenticate(secret)
        if token is None:
            raise ApiProblem(401, _("访问令牌无效、已过期或已撤销。"))
        g.api_token = token
        # Flask-Login reads the user from here before looking at any cookie.
        g._login_user = token.person
        if request.method in SAFE_METHODS and not token_allows(token, "read"):
            raise ApiProblem(403, _("此令牌没有“读取”权限。"))
        return
    if not current_user.is_authenticated:
        raise ApiProblem(401, _("请使用访问令牌（Authorization: Bearer）或先登录。"))
    if request.method not in SAFE_METHODS:
        try:
            validate_csrf(request.headers.get("X-CSRFToken", ""))
        except (CSRFError, WTFValidationError):
            raise ApiProblem(
                403, _("使用登录会话写入时，须在 X-CSRFToken 头中提供安全令牌（CSRF）。")
            ) from None


def require_scope(scope: str) -> None:
    """Refuse (403) a token without `scope`; sessions act as on the pages."""
    if not token_allows(current_token(), scope):
        raise ApiProblem(403, _("此令牌没有“%(scope)s”权限。", scope=scope))


def rate_limit_key() -> str:
    """Flask-Limiter key: per token (by digest, so no database look-up), else per person."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.strip().partition(" ")
    if scheme.lower() == "bearer" and secret.strip():
        return (
            "api-token:"
            + hashlib.sha256(secret.strip().encode("utf-8", "replace")).hexdigest()[:32]
        )
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return get_remote_address()
