"""Page-or-fragment rendering for htmx (the "template fragments" pattern)."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from jinja2_fragments.flask import render_block

from directory.extensions import htmx


def wants_fragment() -> bool:
    """True for an htmx request that swaps part of a page (not boosted, not a history restore)."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render(template: str, block: str | None = None, **context: Any) -> str:
    """Render the whole page, or only `block` when htmx asks for a fragment."""
    if block and wants_fragment() and request.headers.get("HX-Target") != "body":
        return render_block(template, block, **context)
    return render_template(template, **context)
