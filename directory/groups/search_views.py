"""Search of threads and posts (all readable groups, or one group); HTML, fragment or JSON."""

from __future__ import annotations

from flask import jsonify, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from directory.groups import post_search
from directory.groups.views import bp
from directory.web.args import optional_id, page_arg
from directory.web.rendering import render


@bp.route("/search")
@login_required
def search() -> Response | str:
    result = post_search.search_posts(
        current_user, request.args.get("q", ""), optional_id("group"), page_arg()
    )
    if request.accept_mimetypes.best == "application/json":
        return jsonify(
            {
                "q": result.q,
                "total": result.total,
                "page": result.page,
                "results": [
                    {
                        "post": h.post.id,
                        "thread": h.thread.id,
                        "title": h.thread.title,
                        "group": {"id": h.group.id, "name": h.group.name},
                        "author": h.author,
                        "snippet": h.snippet,
                        "url": url_for("groups.thread", thread_id=h.thread.id)
                        + f"#post-{h.post.id}",
                    }
                    for h in result.hits
                ],
            }
        )
    return render("groups/search.html", "results", result=result)
