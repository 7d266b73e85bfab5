"""The one organisation picker that every form's organisation field asks for options."""

from __future__ import annotations

from collections.abc import Callable

from flask import render_template, request

from directory.orgs.models import Organisation
from directory.orgs.services import lookup as lookup_orgs
from directory.orgs.services import org_reference
from directory.web.rendering import wants_fragment

PICKER_ARGS = ("q", "organisation", "membership_org", "destination", "branch")


def picker_query() -> str:
    """The text typed into the organisation field that asked for options."""
    for key in PICKER_ARGS:
        value = request.args.get(key, "").strip()
        if value:
            return value[:100]
    return ""


def org_picker(
    find: Callable[[str], list[Organisation]] = lookup_orgs, *, page: bool = True
) -> str:
    """The one organisation picker: `<option>`s for a `<datalist>` (htmx), else a search page.

    `find` chooses the organisations for the typed text (default: live ones by name);
    `page=False` answers with the options even without htmx.
    """
    q = picker_query()
    orgs = find(q)
    if page and not wants_fragment():
        return render_template("orgs/picker.html", orgs=orgs, q=q, org_reference=org_reference)
    return render_template("orgs/_options.html", orgs=orgs, org_reference=org_reference)
