"""Saved lists: my lists, a list's members (add with the picker, remove), rename, delete,
a search saved as a list, and the picker's options (people in the owner's charge)."""

from __future__ import annotations

from flask import Blueprint, abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from directory.core.errors import NotFound, ValidationError
from directory.extensions import db
from directory.lists import services
from directory.lists.forms import AddForm, NameForm
from directory.lists.models import PersonList
from directory.lists.permissions import can_keep_lists
from directory.people.models import Person
from directory.people.picker import person_choice
from directory.search import service as search_service
from directory.search.service import BadSearch
from directory.web.args import page_arg
from directory.web.picker import resolve, typed_query
from directory.web.rendering import render
from directory.web.responses import redirect_after_change

bp = Blueprint("lists", __name__, url_prefix="/lists")

# The search arguments a "save these results" form carries (search.service.Params).
SEARCH_ARGS = ("q", "region", "org", "sector", "kind", "est", "pol", "status", "sort")


def _me() -> Person:
    me = current_user._get_current_object()
    if not can_keep_lists(me):
        abort(403)
    return me


def _list(list_id: int) -> PersonList:
    try:
        return services.get_list(_me(), list_id)
    except NotFound:
        abort(404)


def _index(form: NameForm) -> str:
    return render("lists/index.html", "lists", lists=services.mine(_me()), form=form)


@bp.route("/")
@login_required
def index() -> str:
    """My lists, and a form for a new one."""
    return _index(NameForm(formdata=None))


@bp.route("/", methods=["POST"])
@login_required
def create() -> Response | tuple[str, int]:
    me = _me()
    form = NameForm()
    if form.validate():
        try:
            plist = services.create(me, form.name.data or "")
        except ValidationError as err:
            form.add_service_error(err, "name")
        else:
            return redirect_after_change(
                url_for("lists.show", list_id=plist.id), _("名单已建立，请添加人员。")
            )
    return _index(form), 422


def _page(plist: PersonList, add: AddForm | None = None, rename: NameForm | None = None) -> str:
    return render(
        "lists/show.html",
        "list",
        plist=plist,
        page=services.members(plist, page_arg()),
        add_form=add or AddForm(formdata=None),
        rename_form=rename or NameForm(formdata=None, name=plist.name),
    )


@bp.route("/<id:list_id>")
@login_required
def show(list_id: int) -> str:
    return _page(_list(list_id))


@bp.route("/<id:list_id>/members", methods=["POST"])
@login_required
def add(list_id: int) -> Response | tuple[str, int]:
    me = _me()
    plist = _list(list_id)
    form = AddForm()
    if form.validate():
        person = resolve(
            form.person,
            lambda i: db.session.get(Person, i),
            lambda text: services.candidates(me, text),
            person_choice,
            missing=_("请选择要加入名单的人。"),
            not_found=_("你管理的团组织中没有找到“%(text)s”。", text=form.person.text),
        )
        if person is not None:
            try:
                services.add_person(me, plist, person)
            except ValidationError as err:
                form.add_service_error(err, "person")
            else:
                return redirect_after_change(
                    url_for("lists.show", list_id=plist.id),
                    _("已把 %(name)s 加入名单。", name=person.name),
                )
    return _page(plist, add=form), 422


@bp.route("/<id:list_id>/members/<id:person_id>/remove", methods=["POST"])
@login_required
def remove(list_id: int, person_id: int) -> Response:
    me = _me()
    plist = _list(list_id)
    if not services.remove_person(me, plist, person_id):
        abort(404)
    return redirect_after_change(url_for("lists.show", list_id=plist.id), _("已移出名单。"))


@bp.route("/<id:list_id>/rename", methods=["POST"])
@login_required
def rename(list_id: int) -> Response | tuple[str, int]:
    me = _me()
    plist = _list(list_id)
    form = NameForm()
    if form.validate():
        try:
            services.rename(me, plist, form.name.data or "")
        except ValidationError as err:
            form.add_service_error(err, "name")
        else:
            return redirect_after_change(url_for("lists.show", list_id=plist.id), _("名单已改名。"))
    return _page(plist, rename=form), 422


@bp.route("/<id:list_id>/delete", methods=["POST"])
@login_required
def delete(list_id: int) -> Response:
    me = _me()
    plist = _list(list_id)
    name = plist.name
    services.remove_list(me, plist)
    return redirect_after_change(url_for("lists.index"), _("名单“%(name)s”已删除。", name=name))


@bp.route("/from-search", methods=["GET", "POST"])
@login_required
def from_search() -> Response | tuple[str, int] | str:
    """Save the people a search finds as a new list (linked from the search results)."""
    me = _me()
    source = request.form if request.method == "POST" else request.args
    args = {k: source.get(k, "") for k in SEARCH_ARGS}
    try:
        params = search_service.parse(args)
    except BadSearch as err:
        abort(400, err.message)
    args = {k: str(v) for k, v in params.url_args().items()}
    form = NameForm(formdata=None, name=_default_name(params.q))
    if request.method == "GET":
        found = search_service.search_people(me, params, per_page=1).total or 0
        return render(
            "lists/save_search.html", "form", form=form, args=args, q=params.q, found=found
        )
    form = NameForm()
    if form.validate():
        try:
            saved = services.save_search(me, form.name.data or "", args)
        except ValidationError as err:
            form.add_service_error(err, "name")
        else:
            message = _("已保存名单“%(name)s”，共 %(n)d 人。", name=saved.plist.name, n=saved.added)
            if saved.skipped:
                message += " " + _("另有 %(n)d 人不在你管理的团组织中，未加入。", n=saved.skipped)
            if saved.truncated:
                message += " " + _(
                    "搜索结果超过 %(n)d 人，只保存了前 %(n)d 人。", n=services.MAX_MEMBERS
                )
            return redirect_after_change(url_for("lists.show", list_id=saved.plist.id), message)
    return render(
        "lists/save_search.html", "form", form=form, args=args, q=params.q, found=None
    ), 422


def _default_name(q: str) -> str:
    return _("搜索：%(q)s", q=q)[:100] if q else ""


@bp.route("/options")
@login_required
def options() -> str:
    """The list picker's options: people in the viewer's charge matching the text."""
    me = _me()
    q = typed_query()
    found = services.candidates(me, q) if q else []
    return render(
        "_macros/picker_options.html", None, q=q, choices=[person_choice(p) for p in found]
    )
