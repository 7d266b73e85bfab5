"""Who may see and revoke a person's tokens; what a token's scopes allow."""

from __future__ import annotations

from directory.api.models import ApiToken
from directory.people.models import Person
from directory.people.permissions import can_administer_person


def can_manage_tokens(viewer: Person | None, owner: Person) -> bool:
    """The owner, or an admin who administers the owner's account (the admin hierarchy)."""
    if viewer is None or not viewer.is_authenticated:
        return False
    return viewer.id == owner.id or can_administer_person(viewer, owner)


def can_create_token(viewer: Person | None, owner: Person) -> bool:
    """Only the owner makes their own tokens (an admin revokes, never mints for someone)."""
    return viewer is not None and viewer.is_authenticated and viewer.id == owner.id


def token_allows(token: ApiToken | None, scope: str) -> bool:
    """A session (no token) may do what its pages may; a token only what its scopes say."""
    return token is None or scope in token.scope_set
