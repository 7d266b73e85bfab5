"""The one organisation picker that every form's organisation field asks for options."""

from __future__ import annotations

from collections.abc import Callable

from flask import render_template, request
from flask_babel import gettext as _

from directory.core.errors import DomainError
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.orgs.services import lookup as lookup_orgs
from directory.orgs.services import org_reference, resolve_org_reference
from directory.web.picker import Choice, PickerField, resolve
from directory.web.rendering import wants_fragment

PICKER_ARGS = ("q", "organisation", "membership_org", "destination", "branch")


def org_choice(org: Organisation) -> Choice:
    """How a picker shows an organisation: its name, told apart by its region and parent."""
    detail = " · ".join(
        name
        for name in (org.region.name if org.region else "", org.parent.name if org.parent else "")
        if name
    )
    return Choice(org.id, org.name, detail)


def picker_query() -> str:
    """The text typed into the organisation field that asked for options."""
    field = request.args.get("field", "")
    if field:  # the one autocomplete (web/picker.py) sends "<field>_q"
        return " ".join(request.args.get(f"{field}_q", "").split())[:100]
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
    if request.args.get("field"):
        return render_template(
            "_macros/picker_options.html", q=q, choices=[org_choice(o) for o in orgs]
        )
    if page and not wants_fragment():
        return render_template("orgs/picker.html", orgs=orgs, q=q, org_reference=org_reference)
    return render_template("orgs/_options.html", orgs=orgs, org_reference=org_reference)


def pick_org(
    field: PickerField,
    find: Callable[[str], list[Organisation]] = lookup_orgs,
    *,
    missing: str | None = None,
) -> Organisation | None:
    """The organisation picked in `field` (by id, or by the text: "名称 #编号" or a name).

    None with the reason on the field when nothing, or more than one, matches; the caller's
    service checks whether that organisation may be used (dissolved, outside a subtree).
    """

    def by_text(text: str) -> list[Organisation]:
        if "#" in text:
            try:
                return [resolve_org_reference(text, allow_dissolved=True)]
            except DomainError:
                return []
        return find(text)

    return resolve(
        field,
        lambda org_id: db.session.get(Organisation, org_id),
        by_text,
        org_choice,
        missing=missing,
        not_found=_("团组织不存在：%(text)s", text=field.text),
    )
