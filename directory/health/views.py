"""`/healthz`: the process answers. `/readyz`: it can serve (database, search, Redis)."""

from __future__ import annotations

import os

from flask import Blueprint, Response, jsonify

from directory.health import checks

bp = Blueprint("health", __name__, url_prefix=None)


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/healthz")
def healthz() -> Response:
    """Liveness: no dependency is touched, so a database outage never gets workers killed."""
    return _no_store(jsonify(status="ok", pid=os.getpid()))


@bp.route("/readyz")
def readyz() -> tuple[Response, int]:
    """Readiness: 200 when every dependency answers, else 503 naming what failed."""
    ok, results = checks.run_all()
    body = jsonify(status="ok" if ok else "unavailable", checks=results)
    return _no_store(body), 200 if ok else 503
