"""The notification list and the bell (its unread count refreshes itself with htmx)."""

from __future__ import annotations

from flask import Blueprint, g, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from directory.notifications import services as notifications
from directory.web.args import id_or_404
from directory.web.rendering import render, wants_fragment
from directory.web.responses import redirect_after_change

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


def unread_notifications() -> int:
    """The signed-in user's unread notifications, counted at most once per request.

    The layout's bell shows it on every full page (the template global
    `notification_unread`, registered by `init_app`); it stays lazy so fragments, which
    have no layout, do not pay for it.
    """
    if "unread_notifications" not in g:
        g.unread_notifications = (
            notifications.unread_count(current_user.id) if current_user.is_authenticated else 0
        )
    return int(g.unread_notifications)


@bp.route("/")
@login_required
def index() -> str:
    items = notifications.recent(current_user.id)
    return render(
        "notifications/index.html",
        items=items,
        unread=unread_notifications(),
    )


@bp.route("/bell")
@login_required
def bell() -> str:
    """The bell alone (htmx polls it); it counts through the layout's unread_notifications."""
    return render("notifications/_bell.html")


@bp.route("/read", methods=["POST"])
@login_required
def read() -> Response | str:
    raw = request.form.get("id", "")
    notifications.mark_read(current_user.id, id_or_404(raw) if raw else None)
    if wants_fragment():
        return bell()
    return redirect_after_change(url_for("notifications.index"))
