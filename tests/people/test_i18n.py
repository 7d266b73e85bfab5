"""The people pages in English (the catalogue in directory/translations/people)."""

from __future__ import annotations

from flask import g

from directory.core.enums import Visibility
from directory.extensions import db


def test_profile_and_forms_in_english(app, client, auth, cadre, outsider):
    # Test requests share one app context, so `g` (where Flask-Babel caches the locale)
    # outlives a request; forget the cached locale as a real new request would.
    @app.before_request
    def _forget_locale() -> None:
        g.pop("_flask_babel", None)

    cadre.phone_visibility = Visibility.ADMINS
    db.session.commit()
    auth.login(outsider)
    page = client.get(f"/people/{cadre.id}?lang=en").get_data(as_text=True)
    assert "Membership organisation" in page
    assert "Visible to administrators only" in page
    assert "Positions and career history" in page and "Current" in page
    assert "组织关系所在团组织" not in page
    auth.logout()
    auth.login(cadre)
    form = client.get(f"/people/{cadre.id}/edit?lang=en").get_data(as_text=True)
    assert "Who can see the phone number" in form and "Edit profile" in form
    r = client.post(f"/people/{cadre.id}/positions/new?lang=en", data={"title": ""})
    assert r.status_code == 422
    assert "Please enter a title." in r.get_data(as_text=True)
    listing = client.get("/people/?lang=en").get_data(as_text=True)
    assert "Cadre list" in listing and "Filter by name or pinyin" in listing
