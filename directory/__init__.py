"""团友录 — the league-friends directory. `create_app` is the only place that wires things."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

from directory.config import INSTANCE, ROOT, Config, DevConfig, TestConfig
from directory.extensions import babel, csrf, db, htmx, limiter, login, migrate
from directory.web.forms import Request

log = logging.getLogger(__name__)

CONFIGS: dict[str, type[Config]] = {"prod": Config, "dev": DevConfig, "test": TestConfig}


def create_app(config: type[Config] | dict[str, Any] | None = None) -> Flask:
    """Build the application. `config` is a Config class or a dict of overrides."""
    import os

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(INSTANCE),
    )
    if isinstance(config, dict):
        base = CONFIGS[config.get("ENV_NAME", os.environ.get("DIRECTORY_CONFIG", "prod"))]
        app.config.update(base.load())
        app.config.update(config)
    else:
        cls = config or CONFIGS[os.environ.get("DIRECTORY_CONFIG", "prod")]
        app.config.update(cls.load())
    _ensure_secret_key(app)
    from directory.web.links import trusted_hosts

    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config)
    if app.config["TRUSTED_HOSTS"] is None and not app.config.get("DEBUG_DEFAULT_SECRET"):
        log.warning("DIRECTORY_BASE_URL and DIRECTORY_TRUSTED_HOSTS are unset: any Host accepted")

    proxies = int(app.config.get("PROXY_COUNT") or 0)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # The client address and scheme as the trusted proxies saw them (per-address
        # rate limits, HSTS, Secure cookies); the Host header stays the client's own.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]  # the WSGI middleware pattern
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    # Keeps url-encoded bodies for the UTF-8 check that every form runs (web/forms.py).
    app.request_class = Request
    csrf.init_app(app)
    login.init_app(app)
    htmx.init_app(app)
    if app.config.get("REDIS_URL") and not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    app.config.setdefault("RATELIMIT_STORAGE_URI", "memory://")
    # The limiter singleton keeps the key prefix of the first app it saw (`x or config`);
    # reset it so each app built in this process uses its own RATELIMIT_KEY_PREFIX.
    limiter._key_prefix = app.config.get("RATELIMIT_KEY_PREFIX", "")
    limiter.init_app(app)

    from directory import (
        accounts,
        api,
        audit,
        backup,
        demo,
        groups,
        health,
        jobs,
        liaison,
        lists,
        main,
        notices,
        notifications,
        orgs,
        people,
        regions,
        reports,
        rosters,
        search,
        stats,
        transfers,
        web,
    )
    from directory.core import i18n

    i18n.init_app(app)
    web.init_app(app)
    # The features, each wiring its own blueprints, commands, signal receivers, search
    # document types and privacy affiliation sources.
    for feature in (
        health,
        main,
        jobs,
        accounts,
        people,
        orgs,
        regions,
        notifications,
        groups,
        transfers,
        lists,
        notices,
        reports,
        liaison,
        search,
        audit,
        rosters,
        stats,
        api,
        demo,
        backup,
    ):
        feature.init_app(app)
    search.start(app)
    return app


def _ensure_secret_key(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        return
    if not app.config.get("DEBUG_DEFAULT_SECRET"):
        raise RuntimeError(
            "DIRECTORY_SECRET_KEY is not set: refusing to start without a real secret key."
        )
    # Local demo only: a random key kept in the instance folder, never in the repo.
    path = Path(app.instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    app.config["SECRET_KEY"] = path.read_text().strip()


__all__ = ["babel", "create_app", "db"]
