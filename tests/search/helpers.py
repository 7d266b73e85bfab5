"""Small helpers for calling the search service like a view does."""

from __future__ import annotations

from flask import current_app

from directory.people.models import Person
from directory.search import service


def run(viewer: Person, **args: str) -> service.Page:
    """Search as `viewer` with URL-style arguments."""
    with current_app.test_request_context():
        return service.search_people(viewer, service.parse(args))


def names(viewer: Person, **args: str) -> list[str]:
    """Names found, in result order."""
    return [h.person.name for h in run(viewer, **args).hits]
