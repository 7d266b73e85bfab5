"""Group invitations by e-mail reveal nothing about addresses the inviter may not see (finding 5)."""

from __future__ import annotations

from sqlalchemy import func, select

from directory.core.enums import Visibility
from directory.extensions import db
from directory.groups.models import JoinPolicy, JoinRequest
from tests.conftest import without_csrf
from tests.factories import make_person
from tests.groups.conftest import make_group


def _answer(client, group_id: int, text: str) -> tuple[int, str]:
    """The status and the page the inviter lands on, its CSRF token blanked."""
    r = client.post(f"/groups/{group_id}/invite", data={"person": text})
    page = client.get(r.headers["Location"]).get_data(as_text=True) if r.status_code == 303 else ""
    return r.status_code, without_csrf(page)


def test_existing_and_unknown_address_answer_alike(client, auth, owner, outsider):
    outsider.email_visibility = Visibility.ADMINS
    db.session.commit()
    group = make_group(owner, "邀请群", JoinPolicy.INVITE)
    auth.login(owner)
    client.get("/")  # show the welcome flash now, not on the first answer below
    existing = _answer(client, group.id, outsider.email)
    unknown = _answer(client, group.id, "no-such-person@example.org")
    assert existing[0] == unknown[0] == 303
    assert outsider.name not in existing[1]
    assert "已发出邀请" not in existing[1]
    # Identical apart from the address the inviter typed themself.
    assert existing[1].replace(outsider.email, "X") == unknown[1].replace(
        "no-such-person@example.org", "X"
    )
    # Asking again (already invited) still answers the same way.
    assert _answer(client, group.id, outsider.email)[0] == 303
    # The invitation itself was sent.
    count = db.session.scalar(
        select(func.count()).select_from(JoinRequest).where(JoinRequest.person_id == outsider.id)
    )
    assert count == 1


def test_visible_address_still_names_the_person(client, auth, owner, world):
    colleague = make_person(name="周舟", membership_org_id=world.street_org.id)
    group = make_group(owner, "邀请群", JoinPolicy.INVITE)
    auth.login(owner)
    status, page = _answer(client, group.id, colleague.email)
    assert status == 303 and "周舟" in page
    r = client.post(f"/groups/{group.id}/invite", data={"person": colleague.email})
    assert r.status_code == 409
