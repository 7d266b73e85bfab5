"""Parts of a page that other features add to it.

A page shows what features above its own know about its subject: the organisation page
lists its cadres, admins and roster (people), marks roster members being transferred
(transfers) and names its liaisons (liaison); a region's page counts the organisations in
it (orgs). The page's feature must not import
those (they import it), so each adds its part in its `init_app`:

    add_page_part(app, "orgs.show", transfer_markers)

and the page's view asks for every part with the page's subject:

    context = page_parts("orgs.show", viewer=viewer, org=org, roster_visible=visible)

A part takes the subject as keyword arguments and returns what it adds to the template's
context (it loads what it shows, in the view, like the rest of the page). Parts run in the
order `create_app` lists their features, lower first, and each also receives what the parts
before it added: the transfer markers take the `roster_ids` of the roster people loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

PagePart = Callable[..., dict[str, Any]]

_KEY = "page_parts"


def add_page_part(app: Flask, page: str, part: PagePart) -> None:
    """Add `part` to `page` (named by the endpoint that shows it) in this app."""
    parts: dict[str, list[PagePart]] = app.extensions.setdefault(_KEY, {})
    if part not in parts.setdefault(page, []):
        parts[page].append(part)


def page_parts(page: str, **subject: Any) -> dict[str, Any]:
    """Every part added to `page`, for this subject, merged into one template context."""
    context: dict[str, Any] = {}
    for part in current_app.extensions.get(_KEY, {}).get(page, ()):
        context.update(part(**{**subject, **context}))
    return context
