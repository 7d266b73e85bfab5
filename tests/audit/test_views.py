"""The audit page as each persona: who reads what, filters, CSV, fragments, bad input."""

from __future__ import annotations

import csv
import io

from directory.audit import record
from directory.core.uow import unit_of_work
from directory.people.models import Person
from tests.factories import World, make_person

HX = {"HX-Request": "true"}


def _seed(world: World, cadre: Person, outsider: Person, org_admin: Person) -> None:
    with unit_of_work():
        record("roster.export", actor=org_admin, subject_person=cadre, details={"rows": 3})
        record("auth.sign_in", actor=outsider, subject_person=outsider)  # Chengdu
        record("account.admin_grant", actor=None, subject_person=None)  # no organisation
        record("auth.sign_in", actor=cadre, subject_person=cadre)


def test_anonymous_and_cadre_are_refused(client, auth, world, cadre, outsider, org_admin) -> None:  # type: ignore[no-untyped-def]
    _seed(world, cadre, outsider, org_admin)
    assert client.get("/audit/").status_code == 302
    assert client.get("/audit/export.csv").status_code == 302
    auth.login(cadre)
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403


def test_org_admin_sees_only_their_subtree(client, auth, world, cadre, outsider, org_admin) -> None:  # type: ignore[no-untyped-def]
    _seed(world, cadre, outsider, org_admin)
    auth.login(org_admin)
    html = client.get("/audit/").get_data(as_text=True)
    assert "张彤" in html and "模范街社区团支部" in html
    assert "赵丽" not in html  # Chengdu is outside the Shunqing subtree
    assert "授予系统管理员</td>" not in html  # rows without an organisation: system admins only
    rows = list(csv.reader(io.StringIO(client.get("/audit/export.csv").get_data(as_text=True))))
    assert rows[0][0].startswith("\ufeff")
    names = {r[3] for r in rows[1:]}
    assert "赵丽" not in names and "张彤" in names
    # The sign-in of 李明 (through the form) is in his own organisation: listed too.
    assert any(r[1] == "登录" and r[2] == "李明" for r in rows[1:])


def test_system_admin_sees_all_and_filters(
    client, auth, world, cadre, outsider, org_admin, admin
) -> None:  # type: ignore[no-untyped-def]
    _seed(world, cadre, outsider, org_admin)
    hostile = make_person(name="=cmd()", membership_org_id=world.branch.id)
    with unit_of_work():
        record("auth.sign_in", actor=hostile, subject_person=hostile)
    auth.login(admin)
    html = client.get("/audit/").get_data(as_text=True)
    assert "赵丽" in html and "张彤" in html and "授予系统管理员" in html
    only = client.get("/audit/?action=roster.export").get_data(as_text=True)
    assert "导出花名册" in only and "赵丽" not in only
    by_actor = client.get("/audit/?actor=赵").get_data(as_text=True)
    assert "赵丽" in by_actor and "张彤" not in by_actor
    by_org = client.get("/audit/?org=成都").get_data(as_text=True)
    assert "赵丽" in by_org and "张彤" not in by_org
    future = client.get("/audit/?start=2999-01-01").get_data(as_text=True)
    assert "没有符合条件的记录" in future
    text = client.get("/audit/export.csv?action=auth.sign_in").get_data(as_text=True)
    assert "'=cmd()" in text  # neutralised for spreadsheets
    assert "导出花名册" not in text


def test_fragment_and_vary(client, auth, world, admin) -> None:  # type: ignore[no-untyped-def]
    auth.login(admin)
    r = client.get("/audit/?action=auth.sign_in", headers=HX)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "<html" not in html and 'id="audit-results"' in html
    assert "HX-Request" in r.headers["Vary"]


def test_bad_filters_are_a_400_with_a_message(client, auth, world, admin) -> None:  # type: ignore[no-untyped-def]
    auth.login(admin)
    for query in ("action=nope", "start=2024-13-45", "end=2024-02-30", "page=0"):
        r = client.get(f"/audit/?{query}")
        assert r.status_code == 400, query
    r = client.get("/audit/?start=yesterday")
    assert "筛选条件有误" in r.get_data(as_text=True)
    assert client.get("/audit/export.csv?end=xx").status_code == 400


def test_actions_in_english_say_what_happened(
    client, auth, world, cadre, outsider, org_admin, admin
) -> None:  # type: ignore[no-untyped-def]
    _seed(world, cadre, outsider, org_admin)
    auth.login(admin)
    html = client.get("/audit/?lang=en").get_data(as_text=True)
    assert "Roster exported" in html and "Signed in" in html and "System admin granted" in html
    # The same Chinese words as buttons elsewhere keep their own English.
    assert "Export a roster" not in html
    assert ">Sign in<" not in html
