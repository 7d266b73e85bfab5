"""The one organisation picker that every form's organisation field asks for options."""

from __future__ import annotations

from collections.abc import Callable

from flask import render_template, request
from flask_babel import gettext as _

from directory.core.errors import DomainError
from directory.extensions import db
from directory.orgs.matching import org_paths, own_name_matches
from directory.orgs.models import Organisation
from directory.orgs.services import lookup as lookup_orgs
from directory.orgs.services import resolve_org_reference
from directory.web.picker import Choice, PickerField, resolve
from directory.web.rendering import wants_fragment

PICKER_ARGS = ("q", "organisation", "membership_org", "destination", "branch")


def org_choice(org: Organisation, path: str | None = None) -> Choice:
    """How a picker shows an organisation: its name, told apart by the organisations above
    it (`path`, from org_paths; computed when not given), or its region at the top."""
    if path is None:
        path = org_paths([org]).get(org.id, "")
    return Choice(org.id, org.name, path or (org.region.name if org.region else ""))


def org_choices(orgs: list[Organisation]) -> list[Choice]:
    """Choices for several organisations, their paths read in one query."""
    paths = org_paths(orgs)
    return [org_choice(o, paths.get(o.id, "")) for o in orgs]


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
    """The one organisation picker: options for the autocomplete (htmx), else a page.

    `find` chooses the organisations for the typed text (default: live ones by name,
    pinyin, initials or path); `page=False` answers with the options even without htmx.
    Options and page show names told apart by their paths, never an id.
    """
    q = picker_query()
    choices = org_choices(find(q))
    if page and not request.args.get("field") and not wants_fragment():
        return render_template("orgs/picker.html", choices=choices, q=q)
    return render_template("_macros/picker_options.html", q=q, choices=choices)


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

    paths: dict[int, str] = {}

    def by_text(text: str) -> list[Organisation]:
        if "#" in text:  # "名称 #编号" from older forms and batch files
            try:
                found = [resolve_org_reference(text, allow_dissolved=True)]
            except DomainError:
                return []
        else:
            found = find(text)
            # Typed and sent without picking: what the name itself matches wins over what
            # lies below it ("顺庆区委" is the committee, not its branches).
            found = [o for o in found if own_name_matches(text, o.name)] or found
        paths.update(org_paths(found))
        return found

    return resolve(
        field,
        lambda org_id: db.session.get(Organisation, org_id),
        by_text,
        lambda org: org_choice(org, paths.get(org.id, "")),
        missing=missing,
        not_found=_("团组织不存在：%(text)s", text=field.text),
    )
