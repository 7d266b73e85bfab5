"""503 while the database is unreachable (restarting, failing over, out of connections).

The pool pings each connection before use (`pool_pre_ping`) and SQLAlchemy drops the
whole pool after a disconnect, so once PostgreSQL is back the next request reconnects:
no worker restart is needed. Meanwhile every request that needs the database gets a
503 with `Retry-After` and a message saying to retry, instead of a 500.

The page is rendered without the layout and without context processors: both would
load the signed-in user, which needs the database that just failed.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import exc as sa_exc

from directory.web.rendering import wants_fragment

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5


def init_app(app: Flask) -> None:
    # OperationalError: connection refused or lost, server shutting down, deadlock, a
    # locked SQLite file. InterfaceError: a connection closed under us. TimeoutError: the
    # pool had no free connection in time.
    for error in (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError):
        app.register_error_handler(error, database_unavailable)
    # Registered after Flask-SQLAlchemy's own teardown, so it runs first.
    app.teardown_appcontext(release_session)


def release_session(exc: BaseException | None = None) -> None:
    """End the request's session even when its connection died under it.

    Closing rolls back; if the server went away mid-request that ROLLBACK fails, and the
    failure, raised after the response was made, would turn it into a 500. The session
    is invalidated instead: its connections are discarded, never returned to the pool.
    """
    from directory.extensions import db

    try:
        db.session.remove()
    except sa_exc.DBAPIError as err:
        log.warning("session closed on a dead connection: %s", err.__class__.__name__)
        db.session.registry().invalidate()
        db.session.registry.clear()


def database_unavailable(err: Exception) -> Response:
    """The retry page (a fragment for htmx), status 503 with Retry-After."""
    log.warning("database unavailable: %s: %s", err.__class__.__name__, str(err).splitlines()[0])
    message = _("服务暂时不可用（数据库正在恢复），请稍后重试。")
    if wants_fragment():
        html = f'<p class="flash flash-error" role="alert">{_escape(message)}</p>'
    else:
        template = current_app.jinja_env.get_template("errors/unavailable.html")
        lang = "en" if str(get_locale()) == "en" else "zh-CN"
        html = template.render(message=message, retry_after=RETRY_AFTER_SECONDS, lang=lang)
    response = Response(html, 503, mimetype="text/html")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))
