"""One display time zone: the same stored moment reads the same on every page."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask import render_template_string

from directory.core import time as clock
from directory.core.time import local_time

MOMENT = datetime(2026, 11, 24, 1, 30)  # stored naive UTC


def test_default_zone_is_china(app) -> None:
    with app.app_context():
        assert local_time(MOMENT) == "2026-11-24 09:30"
        assert local_time(MOMENT.replace(tzinfo=UTC)) == "2026-11-24 09:30"
        assert local_time(None) == ""
        assert (
            render_template_string("{{ t|local_time('%m-%d %H:%M') }}", t=MOMENT) == "11-24 09:30"
        )


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"DISPLAY_TIMEZONE": "UTC"}, "2026-11-24 01:30"),
        ({"BABEL_DEFAULT_TIMEZONE": "Europe/Berlin"}, "2026-11-24 02:30"),
        ({"DISPLAY_TIMEZONE": "Asia/Urumqi", "BABEL_DEFAULT_TIMEZONE": "UTC"}, "2026-11-24 07:30"),
    ],
)
def test_zone_is_configurable(app, settings, expected) -> None:
    app.config.update(settings)
    with app.app_context():
        assert local_time(MOMENT) == expected


def test_posts_and_notifications_show_the_display_zone(
    client, auth, cadre, org_admin, world
) -> None:
    """A post and a notification stored at 01:30 UTC read 09:30 (transfers already did)."""
    from directory.extensions import db
    from directory.groups.post_models import Post
    from directory.notifications.models import Notification
    from tests.groups.conftest import make_group, make_thread

    group = make_group(cadre, members=(org_admin,))
    thread = make_thread(cadre, group)
    db.session.query(Post).update({Post.created_at: MOMENT})
    db.session.add(
        Notification(
            person_id=cadre.id, kind="group_reply", message="回复了你", link="/", created_at=MOMENT
        )
    )
    db.session.commit()
    auth.login(cadre)
    assert "2026-11-24 09:30" in client.get(f"/groups/threads/{thread.id}").get_data(as_text=True)
    assert "2026-11-24 09:30" in client.get("/notifications/").get_data(as_text=True)


def test_templates_show_times_only_through_local_time() -> None:
    """A template that formats a stored time itself shows UTC (the home page's group feed
    did): every time goes through `|local_time`."""
    templates = Path(__file__).resolve().parents[2] / "templates"
    found = [
        f"{path.relative_to(templates)}:{n}"
        for path in sorted(templates.rglob("*.html"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if ".strftime(" in line  # (calendar dates, such as a deadline, print with isoformat)
    ]
    assert not found, found


def test_today_is_the_date_in_the_display_zone(app, monkeypatch) -> None:
    with app.app_context():
        monkeypatch.setattr(clock, "now", lambda: datetime(2026, 11, 30, 23, 30))
        assert clock.today() == date(2026, 12, 1)  # 07:30 in Beijing
        monkeypatch.setattr(clock, "now", lambda: datetime(2026, 11, 30, 15, 59))
        assert clock.today() == date(2026, 11, 30)  # 23:59 in Beijing
