"""Password hashing with Argon2id (argon2-cffi)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

_strong = PasswordHasher()
# Tests hash thousands of passwords; the fast profile keeps the algorithm, not the cost.
_fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _hasher() -> PasswordHasher:
    return _fast if current_app.config.get("PASSWORD_HASH_FAST") else _strong


def hash_password(password: str) -> str:
    """Return an Argon2id hash of `password`."""
    return _hasher().hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True when `password` matches `stored`; never raises on a bad hash."""
    if not stored:
        return False
    try:
        return _hasher().verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True when `stored` was made with weaker parameters than the current ones."""
    return _hasher().check_needs_rehash(stored)
