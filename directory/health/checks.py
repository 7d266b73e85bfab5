"""What `/readyz` checks: the database, the search index (or table), Redis when configured.

Each check returns (ok, detail) and never raises: a probe must answer even when
everything behind it is down. Details are short and carry no secrets (no URLs).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import sqlalchemy as sa
from flask import current_app

from directory.extensions import db

log = logging.getLogger(__name__)

Check = Callable[[], tuple[bool, str]]


def database() -> tuple[bool, str]:
    """One round trip through the pool (pre-ping replaces a dead connection first)."""
    try:
        with db.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return True, db.engine.dialect.name
    except Exception as exc:
        log.warning("readyz: database unreachable: %s", exc.__class__.__name__)
        return False, f"unreachable ({exc.__class__.__name__})"


def search() -> tuple[bool, str]:
    """The backend can serve a search: Whoosh has a live index for every document type,
    PostgreSQL has its table."""
    from directory.search.backends import get_backend
    from directory.search.documents import DOC_TYPES

    backend = get_backend()
    try:
        ready = getattr(backend, "ready", None)
        if ready is not None:
            missing = [t for t in DOC_TYPES if not ready(t)]
            if missing:
                return False, f"{backend.name}: no index for {', '.join(sorted(missing))}"
            return True, backend.name
        with db.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1 FROM search_document LIMIT 1"))
        return True, backend.name
    except Exception as exc:
        log.warning("readyz: search not ready: %s", exc.__class__.__name__)
        return False, f"{backend.name}: {exc.__class__.__name__}"


def redis() -> tuple[bool, str]:
    """PING the configured Redis (fast timeouts: a dead Redis must not hang the probe)."""
    import redis as redis_lib

    url = current_app.config["REDIS_URL"]
    try:
        client = redis_lib.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            client.ping()
        finally:
            client.close()
        return True, "ok"
    except Exception as exc:
        log.warning("readyz: redis unreachable: %s", exc.__class__.__name__)
        return False, f"unreachable ({exc.__class__.__name__})"


def run_all() -> tuple[bool, dict[str, dict[str, object]]]:
    """Every check that applies to this configuration, with its duration."""
    checks: dict[str, Check] = {"database": database, "search": search}
    if current_app.config.get("REDIS_URL"):
        checks["redis"] = redis
    results: dict[str, dict[str, object]] = {}
    for name, check in checks.items():
        started = time.perf_counter()
        ok, detail = check()
        results[name] = {
            "ok": ok,
            "detail": detail,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
    return all(bool(r["ok"]) for r in results.values()), results
