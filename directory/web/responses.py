"""The one answer after a successful change: Post/Redirect/Get, or HX-Redirect for htmx."""

from __future__ import annotations

from flask import current_app, flash, redirect
from werkzeug.wrappers import Response

from directory.web.rendering import wants_fragment

#: htmx follows HX-Redirect before swapping; 204 says there is nothing to swap, so a
#: proxy that drops the header leaves the page as it was instead of blanking the target.
HX_REDIRECT_STATUS = 204


def redirect_after_change(url: str, message: str | None = None) -> Response:
    """303 to `url` for a plain request, or 204 + HX-Redirect for htmx; flash `message`."""
    if message:
        flash(message, "success")
    if wants_fragment():
        response = current_app.response_class(status=HX_REDIRECT_STATUS)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)
