"""Threads and posts: start, read, reply, edit inline, delete, moderate, report, attachments."""

from __future__ import annotations

from flask import abort, jsonify, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from directory.core.errors import NotFound, ValidationError
from directory.core.numbers import parse_id
from directory.extensions import db
from directory.groups import attachments, moderation, post_search, reading
from directory.groups import mentions as mention_text
from directory.groups import posts as post_service
from directory.groups import services as group_service
from directory.groups.forms import EditPostForm, ReplyForm, ReportForm, ThreadForm
from directory.groups.post_models import Attachment
from directory.groups.view_helpers import load, post_limit
from directory.groups.views import bp
from directory.people.models import Person
from directory.web.rendering import render, wants_fragment
from directory.web.responses import redirect_after_change


@bp.route("/<id:group_id>/threads/new", methods=["GET", "POST"])
@login_required
@post_limit
def new_thread(group_id: int) -> Response | tuple[str, int] | str:
    group, access = load(group_id)
    if not access.can_read:
        raise NotFound(_("群组不存在。"))
    form = ThreadForm()
    picked = mention_text.picked_ids(request.form.getlist("mention"))
    if request.method == "POST":
        if form.validate():
            try:
                files = attachments.check_all(request.files.getlist("files"))
                thread = post_service.create_thread(
                    current_user,
                    group,
                    access,
                    form.title.data or "",
                    form.body.data or "",
                    files,
                    picked,
                )
            except ValidationError as err:
                form.add_service_error(err, "body")
            else:
                return redirect_after_change(
                    url_for("groups.thread", thread_id=thread.id), _("话题已发布。")
                )
        return render(
            "groups/thread_form.html", "form", group=group, form=form, mention_ids=picked
        ), 422
    if not access.can_post:
        abort(403)
    return render("groups/thread_form.html", "form", group=group, form=form)


@bp.route("/threads/<id:thread_id>")
@login_required
def thread(thread_id: int) -> str:
    thread, group, access = reading.get_thread(current_user, thread_id)
    posts = reading.thread_posts(thread)
    return render(
        "groups/thread.html",
        None,
        thread=thread,
        group=group,
        access=access,
        posts=posts,
        opening_id=posts[0].id if posts else None,
        form=ReplyForm(),
    )


@bp.route("/threads/<id:thread_id>/reply", methods=["POST"])
@login_required
@post_limit
def reply(thread_id: int) -> Response | tuple[str, int] | str:
    thread, group, access = reading.get_thread(current_user, thread_id)
    form = ReplyForm()
    picked = mention_text.picked_ids(request.form.getlist("mention"))
    quote = form.quote_of.data or ""
    error = None
    if form.validate():
        try:
            if quote and parse_id(quote) is None:
                raise ValidationError(_("引用的回帖不存在。"), field="body")
            files = attachments.check_all(request.files.getlist("files"))
            post = post_service.reply(
                current_user,
                thread,
                group,
                access,
                form.body.data or "",
                parse_id(quote) if quote else None,
                files,
                picked,
            )
        except ValidationError as err:
            form.add_service_error(err, "body")
            error = err
    else:
        error = ValidationError(_("提交的内容有误，请修改后重试。"))
    if error is not None:
        ctx = {
            "thread": thread,
            "group": group,
            "access": access,
            "form": form,
            "mention_ids": picked,
        }
        if wants_fragment():
            html = render("groups/_reply_form.html", None, **ctx)
            return Response(html, 422, {"HX-Retarget": "#reply-form", "HX-Reswap": "outerHTML"})
        posts = reading.thread_posts(thread)
        return render("groups/thread.html", None, posts=posts, opening_id=posts[0].id, **ctx), 422
    if wants_fragment():
        html = render(
            "groups/_reply_created.html",
            None,
            post=post,
            thread=thread,
            group=group,
            access=access,
            form=ReplyForm(formdata=None),
            opening_id=None,
        )
        return Response(html, 200, {"HX-Trigger": "notifications-changed"})
    return redirect_after_change(post_service.thread_link(thread, post.id), _("回复已发布。"))


@bp.route("/posts/<id:post_id>/edit", methods=["GET", "POST"])
@login_required
@post_limit
def edit_post(post_id: int) -> Response | tuple[str, int] | str:
    post, thread, group, access = reading.get_post(current_user, post_id)
    if post.author_id != current_user.id and not access.can_moderate:
        abort(403)
    # The author edits names only; the ids of the people mentioned travel hidden.
    if request.method == "GET":
        body, picked = mention_text.shown(post.body)
        form = EditPostForm(data={"body": body})
    else:
        form = EditPostForm()
        picked = mention_text.picked_ids(request.form.getlist("mention"))
    ctx = {
        "post": post,
        "thread": thread,
        "group": group,
        "access": access,
        "form": form,
        "mention_ids": picked,
    }
    if request.method == "POST":
        if form.validate():
            try:
                post_service.edit_post(current_user, post, access, form.body.data or "", picked)
            except ValidationError as err:
                form.add_service_error(err, "body")
            else:
                if wants_fragment():
                    return render("groups/_post.html", None, opening_id=None, **ctx)
                return redirect_after_change(
                    post_service.thread_link(thread, post.id), _("已保存修改。")
                )
        return render("groups/post_edit.html", "edit", **ctx), 422
    return render("groups/post_edit.html", "edit", **ctx)


@bp.route("/posts/<id:post_id>/delete", methods=["POST"])
@login_required
def delete_post(post_id: int) -> Response | str:
    post, thread, group, access = reading.get_post(current_user, post_id)
    post_service.delete_post(current_user, post, thread, access)
    if thread.deleted_at is not None:
        return redirect_after_change(url_for("groups.show", group_id=group.id), _("话题已删除。"))
    if wants_fragment():
        return render(
            "groups/_post.html", None, post=post, thread=thread, group=group, access=access,
            opening_id=None,
        )  # fmt: skip
    return redirect_after_change(post_service.thread_link(thread, post.id), _("回帖已删除。"))


@bp.route("/posts/<id:post_id>/moderate", methods=["POST"])
@login_required
def moderate_post(post_id: int) -> Response | str:
    post, thread, _group, access = reading.get_post(current_user, post_id)
    action = request.form.get("action")
    if action not in ("hide", "restore"):
        abort(422)
    moderation.set_hidden(current_user, post, access, action == "hide")
    message = _("回帖已隐藏。") if action == "hide" else _("回帖已恢复。")
    return redirect_after_change(post_service.thread_link(thread, post.id), message)


@bp.route("/threads/<id:thread_id>/flags", methods=["POST"])
@login_required
def thread_flags(thread_id: int) -> Response:
    thread, _group, access = reading.get_thread(current_user, thread_id)
    flag, value = request.form.get("flag"), request.form.get("value")
    if flag not in ("pinned", "locked") or value not in ("0", "1"):
        abort(422)
    moderation.set_thread_flag(current_user, thread, access, flag, value == "1")
    return redirect_after_change(url_for("groups.thread", thread_id=thread.id), _("已更新。"))


@bp.route("/posts/<id:post_id>/report", methods=["GET", "POST"])
@login_required
@post_limit
def report(post_id: int) -> Response | tuple[str, int] | str:
    post, thread, group, access = reading.get_post(current_user, post_id)
    form = ReportForm()
    if request.method == "POST":
        if form.validate():
            moderation.report_post(current_user, post, group, access, form.reason.data or "")
            return redirect_after_change(
                post_service.thread_link(thread, post.id), _("已举报，管理员会处理。")
            )
        return render("groups/report_form.html", None, post=post, thread=thread, form=form), 422
    return render("groups/report_form.html", None, post=post, thread=thread, form=form)


@bp.route("/<id:group_id>/reports", methods=["GET", "POST"])
@login_required
def reports(group_id: int) -> Response | str:
    group, access = load(group_id)
    group_service.require_moderator(access)
    if request.method == "POST":
        raw, action = request.form.get("report", ""), request.form.get("action")
        report_id = parse_id(raw)
        if report_id is None or action not in ("hide", "dismiss"):
            abort(422)
        moderation.handle_report(current_user, group, access, report_id, action == "hide")
        return redirect_after_change(
            url_for("groups.reports", group_id=group.id), _("举报已处理。")
        )
    return render("groups/reports.html", None, group=group, items=moderation.open_reports(group))


@bp.route("/posts/<id:post_id>/history")
@login_required
def history(post_id: int) -> str:
    post, thread, _group, access = reading.get_post(current_user, post_id)
    group_service.require_moderator(access)
    return render(
        "groups/history.html", None, post=post, thread=thread, items=reading.revisions(post)
    )


@bp.route("/attachments/<id:attachment_id>/<path:filename>")
@login_required
def attachment(attachment_id: int, filename: str) -> Response:
    item = db.session.get(Attachment, attachment_id)
    if item is None:
        abort(404)
    post, _thread, _group, access = reading.get_post(current_user, item.post_id)
    if post.is_removed and not access.can_moderate:
        abort(404)
    path = attachments.path_of(item.storage_key)
    if not path.exists():
        abort(404)
    response = send_file(
        path,
        mimetype=item.content_type,
        as_attachment=not item.content_type.startswith("image/"),
        download_name=item.filename,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@bp.route("/mentions")
@login_required
def mentions() -> Response | str:
    """People matching a name or pinyin prefix, for @mention autocomplete (JSON or list)."""
    q = request.args.get("q", "").strip()[:40]
    people = post_search.mention_candidates(q)
    if request.accept_mimetypes.best == "application/json":
        # The id travels in a hidden field; the text says the name only (groups/mentions.py).
        return jsonify(
            [
                {"id": p.id, "name": p.name, "org": _org_name(p), "token": f"@{p.name}"}
                for p in people
            ]
        )
    orgs = {p.id: _org_name(p) for p in people}
    return render("groups/mentions.html", "results", q=q, people=people, orgs=orgs)


def _org_name(person: Person) -> str:
    """What tells namesakes apart in the mention list: their organisation."""
    org = person.membership_org
    return org.name if org is not None else ""


@bp.route("/preview/<id:post_id>")
@login_required
def post_fragment(post_id: int) -> str:
    """One post as a fragment (used to cancel an inline edit)."""
    post, thread, group, access = reading.get_post(current_user, post_id)
    return render(
        "groups/_post.html", None, post=post, thread=thread, group=group, access=access,
        opening_id=None,
    )  # fmt: skip
