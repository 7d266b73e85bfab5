"""Domain errors. Services raise them; the app turns them into 4xx answers."""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain refuses; `message` is shown to the user as is."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationError(DomainError):
    status = 422


class NotFound(DomainError):
    status = 404


class PermissionDenied(DomainError):
    status = 403


class Conflict(DomainError):
    """The state changed under the request (already handled, duplicate, stale page)."""

    status = 409
