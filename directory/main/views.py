"""Home page and language switch."""

from __future__ import annotations

from flask import Blueprint, redirect, request
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from directory.accounts.next_url import safe_next
from directory.main.home import load_home
from directory.web.rendering import render

bp = Blueprint("main", __name__, url_prefix=None)


@bp.route("/")
@login_required
def index() -> str:
    """The home page: what waits for me, my groups, my organisation, my profile."""
    person = current_user._get_current_object()
    return render("main/index.html", person=person, home=load_home(person))


@bp.route("/language/<code>")
def language(code: str) -> Response:
    """Remember the chosen UI language in a cookie (unknown codes fall back to Chinese)."""
    from flask import current_app

    response = redirect(safe_next(request.args.get("next")))
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie(
            "lang",
            code,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
        )
    return response


@bp.route("/favicon.ico")
def favicon() -> Response:
    """Browsers and tools that ask for /favicon.ico without reading the page get the SVG."""
    from flask import url_for

    return redirect(url_for("static", filename="favicon.svg"), code=301)
