"""Page parts (web/pages.py): what higher features add to a lower feature's page."""

from __future__ import annotations

from typing import Any

from flask import Flask

from directory.web.pages import add_page_part, page_parts


def test_parts_run_in_order_and_see_what_earlier_parts_added(app: Flask) -> None:
    def roster(*, org: str, **_: Any) -> dict[str, Any]:
        return {"roster_ids": [1, 2], "seen": [org]}

    def markers(*, roster_ids: list[int], seen: list[str], **_: Any) -> dict[str, Any]:
        return {"markers": [i * 10 for i in roster_ids], "seen": [*seen, "markers"]}

    add_page_part(app, "test.page", roster)
    add_page_part(app, "test.page", markers)
    add_page_part(app, "test.page", roster)  # added once only
    with app.app_context():
        context = page_parts("test.page", org="团委")
        assert page_parts("test.other") == {}
    assert context == {"roster_ids": [1, 2], "markers": [10, 20], "seen": ["团委", "markers"]}


def test_the_organisation_page_parts_come_from_people_then_transfers(app: Flask) -> None:
    parts = app.extensions["page_parts"]["orgs.show"]
    owners = [part.__module__.split(".")[1] for part in parts]
    # people loads the roster whose ids the transfer markers need
    assert owners.index("people") < owners.index("transfers")
    assert {"orgs.admins", "orgs.remove_admin"} <= set(app.view_functions)
