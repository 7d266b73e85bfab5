"""What every API request goes through: authorisation, rate limit, problem details, audit."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, g, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from directory.api import tokens
from directory.api.auth import PUBLIC_ENDPOINTS, authorise, rate_limit_key
from directory.api.problems import ApiProblem, problem
from directory.core.errors import DomainError
from directory.extensions import csrf, limiter

log = logging.getLogger(__name__)


def install(bp: Blueprint) -> None:
    """Wire the hooks on the API blueprint (once, at import)."""
    # Tokens never ride on cookies; session writes are checked by `authorise` (X-CSRFToken).
    csrf.exempt(bp)
    bp.before_request(authorise)
    bp.after_request(_after)
    bp.register_error_handler(ApiProblem, _api_problem)
    bp.register_error_handler(DomainError, _domain_problem)
    limiter.limit(
        lambda: str(current_app.config["API_RATE_LIMIT"]),
        key_func=rate_limit_key,
        per_method=False,
    )(bp)


def _api_problem(err: ApiProblem) -> ResponseReturnValue:
    return problem(err.status, err.detail, err.errors, err.headers)


def _domain_problem(err: DomainError) -> ResponseReturnValue:
    errors = [{"field": err.field, "message": err.message}] if err.field else []
    return problem(err.status, err.message, errors)


def render_error(status: int, message: str, err: HTTPException | None) -> ResponseReturnValue:
    """Errors under /api/v1/ that no API view handled (unknown path, method, limits)."""
    headers = {}
    if err is not None:
        headers = {k: v for k, v in err.get_headers() if k in ("Allow", "Retry-After")}
    return problem(status, message, headers=headers)


def _after(response: Response) -> Response:
    if request.endpoint not in PUBLIC_ENDPOINTS:
        response.headers["Cache-Control"] = "no-store"
        response.vary.add("Authorization")
    token = g.get("api_token")
    if token is not None:
        try:
            tokens.record_use(token, request.method, request.path, response.status_code)
        except Exception:  # auditing must not turn an answered request into an error
            log.exception("could not record the use of API token %s", token.id)
    return response
