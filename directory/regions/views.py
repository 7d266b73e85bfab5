"""Browsing regions: the province list, a region's page, and the picker's option lists."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from directory.core.errors import DomainError, NotFound
from directory.core.pagination import ListPage
from directory.extensions import db
from directory.regions import services as regions
from directory.regions.forms import MergeForm, RenameForm, VillageForm
from directory.regions.models import Region
from directory.regions.picker import REFINE_BUTTON, level_options, picked_code
from directory.web.args import page_arg, parse_int
from directory.web.pages import page_parts
from directory.web.rendering import render

bp = Blueprint("regions", __name__, url_prefix="/regions")

CHILDREN_PER_PAGE = 50
ORGS_PER_PAGE = 30


def _paginate(query: Any, param: str, per_page: int) -> ListPage[Any]:
    page = page_arg(param)
    pagination = ListPage.fetch(query, page, per_page)
    if page > 1 and page > pagination.pages:
        raise NotFound(_("没有第 %(page)d 页。", page=page))
    return pagination


def _page_links(
    p: ListPage[Any], code: str, param: str, keep: dict[str, int]
) -> list[tuple[Any, str]]:
    """(page number or None for a gap, URL) for a pager; empty when there is one page."""
    if p.pages <= 1:
        return []
    links: list[tuple[Any, str]] = []
    for n in p.iter_pages():
        args: dict[str, Any] = {**keep, param: n}
        links.append((n, url_for("regions.show", code=code, **args) if n else ""))
    return links


def show_context(chain: list[Region], **forms: Any) -> dict[str, Any]:
    """Everything templates/regions/show.html needs (forms given override the blank ones)."""
    region = chain[-1]
    children = _paginate(regions.children_select(region), "page", CHILDREN_PER_PAGE)
    # The organisations in the region and its subtree (the orgs feature adds them).
    parts = page_parts("regions.show", region=region)
    orgs = _paginate(parts.pop("orgs_query"), "opage", ORGS_PER_PAGE)
    counts = parts["counts"]
    keep_c, keep_o = {"opage": orgs.page}, {"page": children.page}
    ctx: dict[str, Any] = {
        "region": region,
        "ancestors": chain[:-1],
        "children": children,
        "children_links": _page_links(children, region.code, "page", keep_c),
        "orgs": orgs,
        "orgs_links": _page_links(orgs, region.code, "opage", keep_o),
        "counts": counts,
        "subtree_total": sum(counts.values()),
    }
    if current_user.is_admin:
        ctx["rename_form"] = forms.get("rename_form") or RenameForm(formdata=None, name=region.name)
        ctx["merge_form"] = forms.get("merge_form") or MergeForm(formdata=None)
        ctx["merge_depth"] = regions.LENGTHS.index(len(region.code)) + 1
        if region.level.value == "township":
            ctx["village_form"] = forms.get("village_form") or VillageForm(formdata=None)
    return ctx


def show_block() -> str:
    """Which block of show.html an htmx request asks for (by its target)."""
    target = request.headers.get("HX-Target", "")
    return {"region-children": "children", "region-orgs": "orgs", "region-admin": "admin"}.get(
        target, "content"
    )


@bp.route("/")
@login_required
def index() -> str:
    """The provinces, with the number of organisations in each."""
    provinces = db.session.scalars(regions.children_select(None)).all()
    counts = page_parts("regions.index", region=None)["counts"]
    return render("regions/index.html", "provinces", provinces=provinces, counts=counts, picked="")


@bp.route("/go")
@login_required
def go() -> Response | tuple[str, int] | str:
    """Target of the "jump to a region" picker form (works without JavaScript)."""
    code = picked_code(request.args.getlist("region"))
    if code and REFINE_BUTTON not in request.args:
        return redirect(url_for("regions.show", code=code))
    provinces = db.session.scalars(regions.children_select(None)).all()
    counts = page_parts("regions.index", region=None)["counts"]
    ctx = {"provinces": provinces, "counts": counts, "picked": code}
    if not code and REFINE_BUTTON not in request.args:
        return render("regions/index.html", "jump", error=_("请选择地区。"), **ctx), 422
    return render("regions/index.html", "jump", **ctx)


@bp.route("/<code>")
@login_required
def show(code: str) -> str:
    """A region: breadcrumbs, children, organisations located in it, subtree count."""
    return render("regions/show.html", show_block(), **show_context(regions.region_chain(code)))


def _options_ctx(parent: Region | None, found: list[Region], selected: str) -> dict[str, Any]:
    # The chooser page submits the parent's chain too, so /regions/go sees a full chain.
    chain = [*regions.ancestor_codes(parent.code), parent.code] if parent else []
    return {"parent": parent, "options": found, "selected": selected, "chain": chain}


@bp.route("/<code>/options")
@login_required
def options(code: str) -> str:
    """The children of a region as <option>s (htmx), or as a small chooser page."""
    parent = regions.region_by_code(code)
    children = list(db.session.scalars(regions.children_select(parent)))
    return render("regions/options.html", "options", **_options_ctx(parent, children, ""))


@bp.route("/options")
@login_required
def picker_options() -> str:
    """Options of one picker level given the picker's current values (`field`, `level`)."""
    field = request.args.get("field", "")
    number = parse_int(request.args.get("level", ""), len(regions.LENGTHS) - 1, minimum=0)
    if not field or len(field) > 64 or number is None:
        raise DomainError(_("地区选择器的参数有误。"))
    values = request.args.getlist(field)
    found, selected = level_options(values, number)
    chain = picked_code(values)
    parent_len = regions.LENGTHS[number - 1] if number else 0
    parent = None
    if parent_len and len(chain) >= parent_len:
        parent = regions.region_by_code(chain[:parent_len])
    return render("regions/options.html", "options", **_options_ctx(parent, found, selected))
