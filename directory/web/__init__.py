"""Blueprint registration, error pages, security headers and template globals."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from babel.lists import format_list
from flask import Flask, Response, current_app, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale, lazy_pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException, SecurityError
from werkzeug.wrappers import Response as WerkzeugResponse

from directory.core import enums
from directory.core.errors import DomainError
from directory.core.time import local_time
from directory.web import unavailable
from directory.web.args import IdConverter
from directory.web.forms import strip_control
from directory.web.rendering import render

log = logging.getLogger(__name__)

_STATUS_MESSAGES = {
    400: _l("请求有误。"),
    403: _l("你没有权限执行此操作。"),
    404: _l("页面不存在，或你无权查看。"),
    405: _l("不支持该请求方式。"),
    413: _l("上传的内容太大。"),
    422: _l("提交的内容有误，请修改后重试。"),
    429: _l("操作过于频繁，请稍后再试。"),
    500: _l("服务器出错了，我们已记录此问题。"),
}


#: (path prefix, renderer): errors under a prefix are rendered by its feature (the JSON API
#: answers problem details, not pages). A renderer gets the status and the message.
ErrorRenderer = Callable[[int, str, HTTPException | None], ResponseReturnValue]
_ERROR_RENDERERS: list[tuple[str, ErrorRenderer]] = []


def register_error_renderer(prefix: str, renderer: ErrorRenderer) -> None:
    """Render errors of requests under `prefix` with `renderer` instead of the error page."""
    if all(p != prefix for p, _r in _ERROR_RENDERERS):
        _ERROR_RENDERERS.append((prefix, renderer))


def _renderer() -> ErrorRenderer | None:
    for prefix, renderer in _ERROR_RENDERERS:
        if request.path.startswith(prefix):
            return renderer
    return None


def init_app(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    unavailable.init_app(app)
    app.before_request(_clean_query)
    app.after_request(_headers)
    app.context_processor(_globals)
    # A module, not a function: add_template_global is typed for callables.
    app.jinja_env.globals["enums"] = enums
    # The one way a template shows a stored time: `{{ t|local_time }}` (display zone).
    app.add_template_filter(local_time, "local_time")
    # The one way a template lists words: "读取、办理转接和回复通知", "Read and Handle transfers".
    app.add_template_filter(word_list, "word_list")


def word_list(words: list[str]) -> str:
    """`words` as one phrase in the page's language (Babel's list patterns)."""
    return format_list([str(w) for w in words], locale=get_locale())


def _error_page(status: int, message: str) -> tuple[str, int]:
    return render("errors/error.html", "content", status=status, message=message), status


def _domain_error(err: DomainError) -> ResponseReturnValue:
    renderer = _renderer()
    if renderer is not None:
        return renderer(err.status, err.message, None)
    return _error_page(err.status, err.message)


def _csrf_error(err: CSRFError) -> ResponseReturnValue:
    message = _("表单已过期或缺少安全令牌（CSRF），请刷新页面后重试。")
    renderer = _renderer()
    if renderer is not None:
        return renderer(400, message, None)
    return _error_page(400, message)


def _http_error(err: HTTPException) -> ResponseReturnValue:
    status = err.code or 500
    renderer = _renderer()
    if renderer is not None and _can_build_urls():
        return renderer(status, "", err)
    if not _can_build_urls():
        # An untrusted Host header: no URL can be built, so no page either.
        return Response(str(_STATUS_MESSAGES[400]), 400, mimetype="text/plain")
    if status == 401:
        return signin_redirect()
    return _error_page(status, str(_STATUS_MESSAGES.get(status, _STATUS_MESSAGES[400])))


def _clean_query() -> None:
    """Query arguments are search words and ids: control characters are dropped from them.

    Every view reads the cleaned `request.args` (a NUL reaching PostgreSQL is a 500:
    text columns refuse it). Dropping, not refusing: a search for "团\\x00委" is
    answered as one for "团委".
    """
    args = request.args
    if any(strip_control(v) != v for v in args.values()):
        request.__dict__["args"] = ImmutableMultiDict(
            [(k, strip_control(v)) for k, v in args.items(multi=True)]
        )


def _signed_in() -> bool:
    try:
        return bool(current_user.is_authenticated)
    except Exception:  # no user could be loaded (e.g. the database is down): not signed in
        return False


def _can_build_urls() -> bool:
    """False when the request's Host is not trusted (Flask then has no URL adapter)."""
    return not isinstance(getattr(request, "routing_exception", None), SecurityError)


def signin_redirect() -> WerkzeugResponse:
    """Where a signed-out visitor goes: the sign-in page, which says what 团友录 is.

    No yellow warning: a first visit is not an error. A deep link comes back after
    sign-in (the page says so); the home page needs no `next`.
    """
    if request.path == url_for("main.index"):
        return redirect(url_for("auth.login"))
    return redirect(url_for("auth.login", next=request.full_path))


def _headers(response: Response) -> Response:
    response.vary.add("HX-Request")
    if request.endpoint != "static" and _signed_in():
        # Personal data (contacts, rosters, the API) must not stay in a shared or
        # back-button cache after sign-out.
        response.headers["Cache-Control"] = "no-store"
        response.vary.add("Cookie")
    h = response.headers
    h.setdefault("X-Content-Type-Options", "nosniff")
    h.setdefault("X-Frame-Options", "DENY")
    h.setdefault("Referrer-Policy", "same-origin")
    hsts = int(current_app.config.get("HSTS_MAX_AGE") or 0)
    if hsts and request.is_secure:
        # Only over HTTPS (behind the proxy: X-Forwarded-Proto, trusted through
        # PROXY_COUNT); a browser ignores it on plain HTTP anyway.
        h.setdefault("Strict-Transport-Security", f"max-age={hsts}")
    h.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'self'",
    )
    return response


_NAV = (
    ("search.index", _l("通讯录")),
    ("orgs.index", lazy_pgettext("section", "团组织")),
    ("regions.index", lazy_pgettext("section", "地区")),
    ("groups.index", _l("群组")),
    ("transfers.index", lazy_pgettext("section", "组织关系转接")),
    ("notices.index", _l("团务工作")),
    ("admin.index", lazy_pgettext("section", "管理")),
)


#: The app's key for `restrict_nav_item`'s tests: endpoint -> test of the signed-in user.
_NAV_TESTS = "directory.nav_tests"


def restrict_nav_item(app: Flask, endpoint: str, allowed: Callable[[Any], bool]) -> None:
    """Show the navigation item of `endpoint` only to users `allowed(current_user)` accepts.

    The feature that owns the page registers the test in its `init_app` (the admin section
    is for organisation and system admins): web/ asks no feature itself.
    """
    app.extensions.setdefault(_NAV_TESTS, {})[endpoint] = allowed


def _globals() -> dict[str, object]:
    tests = current_app.extensions.get(_NAV_TESTS, {})
    items = [(e, label) for e, label in _NAV if e not in tests or tests[e](current_user)]
    return {"get_locale": get_locale, "nav_items": items}
