"""Roster exports open in openpyxl and vobject, hold only what the exporter may see, name
who exported them and when, neutralise formulas, and are audited."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
import vobject
from openpyxl import load_workbook
from sqlalchemy import select

from directory.audit.models import AuditEvent
from directory.core.enums import CadreKind, Visibility
from directory.extensions import db
from directory.people.models import Person
from directory.search import sync
from tests.factories import World, make_person

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def roster(world: World, cadre: Person, org_admin: Person, outsider: Person) -> dict[str, Person]:
    hidden = make_person(
        name="钱芳",
        email="qianfang@example.org",
        phone="+8613900139000",
        wechat="qf_wx",
        phone_visibility=Visibility.ADMINS,
        email_visibility=Visibility.ADMINS,
        wechat_visibility=Visibility.ADMINS,
        membership_org_id=world.street_org.id,
        cadre_kind=CadreKind.PART_TIME,
        birth_year=1995,
        positions=[(world.street_org, "副书记", date(2022, 1, 1), None)],
    )
    hostile = make_person(
        name='=HYPERLINK("http://x")',
        email="hostile@example.org",
        wechat="@SUM(1+1)",
        wechat_visibility=Visibility.SIGNED_IN,
        membership_org_id=world.branch.id,
    )
    return {"hidden": hidden, "hostile": hostile, "cadre": cadre, "outsider": outsider}


def _xlsx_rows(data: bytes) -> tuple[list[list[str]], list[str]]:
    book = load_workbook(io.BytesIO(data))
    sheet, info = book.worksheets
    rows = [[c if c is not None else "" for c in row] for row in sheet.iter_rows(values_only=True)]
    return rows, [row[0] for row in info.iter_rows(values_only=True)]


def test_org_admin_exports_the_subtree_as_xlsx(client, auth, world, org_admin, roster) -> None:  # type: ignore[no-untyped-def]
    auth.login(org_admin)
    r = client.get(f"/rosters/orgs/{world.county_org.id}/export?format=xlsx&subtree=1")
    assert r.status_code == 200 and r.mimetype == XLSX
    assert "attachment" in r.headers["Content-Disposition"]
    assert r.headers["Content-Disposition"].endswith('.xlsx"')
    rows, info = _xlsx_rows(r.data)
    assert rows[0][:3] == ["姓名", "性别", "出生年份"]
    by_name = {row[0]: row for row in rows[1:]}
    assert {"张彤", "李明", "钱芳"} <= set(by_name) and "赵丽" not in by_name
    # An admin of her subtree sees 钱芳's admins-only contacts.
    assert by_name["钱芳"][8:11] == ["13900139000", "qianfang@example.org", "qf_wx"]
    assert by_name["钱芳"][4] == "兼职" and by_name["钱芳"][2] == "1995"
    assert "中城街道团工委 副书记" in by_name["钱芳"][7]
    # Formulas are neutralised: stored as text starting with a quote, never as a formula.
    hostile = [row for row in rows if str(row[0]).startswith("'=")]
    assert hostile and hostile[0][10] == "'@SUM(1+1)"
    book = load_workbook(io.BytesIO(r.data))
    assert all(c.data_type != "f" for row in book.worksheets[0].iter_rows() for c in row)
    assert info[0] == "导出人：李明" and info[1].startswith("导出时间：")
    assert book.properties.creator == "李明"
    # Only this organisation: the branch's people are left out.
    r = client.get(f"/rosters/orgs/{world.county_org.id}/export?format=xlsx&subtree=0")
    names = {row[0] for row in _xlsx_rows(r.data)[0][1:]}
    assert names == {"李明"}
    entries = list(
        db.session.scalars(select(AuditEvent).where(AuditEvent.action == "roster.export"))
    )
    assert [e.details["subtree"] for e in entries] == [True, False]
    assert entries[0].details["rows"] == len(rows) - 1 and entries[0].org_id == world.county_org.id


def test_group_moderator_export_holds_only_what_they_may_see(
    app, client, auth, world, roster
) -> None:  # type: ignore[no-untyped-def]
    from tests.groups.conftest import make_group

    moderator = make_person(name="孙磊", email="sunlei@example.org")
    group = make_group(moderator, "联络群", members=(roster["hidden"], roster["outsider"]))
    auth.login(moderator)
    r = client.get(f"/rosters/groups/{group.id}/export?format=csv")
    assert r.status_code == 200 and r.data.startswith("\ufeff".encode())
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    lines = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert lines[0][0] == "# 导出人：孙磊" and lines[0][1].startswith("导出时间：")
    by_name = {row[0]: row for row in lines[2:]}
    assert set(by_name) == {"孙磊", "钱芳", "赵丽"}
    assert by_name["钱芳"][8:11] == ["", "", ""]  # admins only: hidden from a moderator
    assert "qianfang" not in r.data.decode() and "13900139000" not in r.data.decode()
    # A plain member may not export the list.
    auth.logout()
    auth.login(roster["outsider"])
    assert client.get(f"/rosters/groups/{group.id}/export?format=csv").status_code == 403


def test_search_result_as_vcard(app, client, auth, world, org_admin, roster) -> None:  # type: ignore[no-untyped-def]
    sync.drain()
    auth.login(org_admin)
    r = client.get("/rosters/search/export?format=vcf&q=赵丽")
    assert r.status_code == 200 and r.mimetype == "text/vcard"
    cards = list(vobject.readComponents(r.data.decode("utf-8")))
    assert [c.fn.value for c in cards] == ["赵丽"]
    card = cards[0]
    assert "tel" not in card.contents  # Chengdu's 赵丽 shares nothing with 李明
    assert card.org.value == ["共青团成都市委"] and card.title.value == "委员"
    assert card.contents["x-tuanyoulu-exported-by"][0].value == "李明"
    r = client.get(f"/rosters/orgs/{world.county_org.id}/export?format=vcf")
    cards = {c.fn.value: c for c in vobject.readComponents(r.data.decode("utf-8"))}
    assert cards["张彤"].tel.value == "+8613800138000"
    assert cards["钱芳"].email.value == "qianfang@example.org"


def test_who_may_export(client, auth, world, cadre, org_admin, admin, roster) -> None:  # type: ignore[no-untyped-def]
    url = f"/rosters/orgs/{world.county_org.id}/export?format=csv"
    assert client.get(url).status_code == 302
    auth.login(cadre)
    assert client.get(url).status_code == 403
    assert client.get("/rosters/").status_code == 403
    assert client.get("/rosters/search/export?format=csv&q=张").status_code == 403
    auth.logout()
    auth.login(org_admin)
    assert client.get(f"/rosters/orgs/{world.chengdu_org.id}/export?format=csv").status_code == 403
    assert client.get("/rosters/").status_code == 200
    auth.logout()
    auth.login(admin)
    assert client.get(f"/rosters/orgs/{world.chengdu_org.id}/export?format=csv").status_code == 200
    page = client.get("/rosters/").get_data(as_text=True)
    assert "共青团四川省委" in page


def test_bad_export_requests(client, auth, world, org_admin) -> None:  # type: ignore[no-untyped-def]
    auth.login(org_admin)
    base = f"/rosters/orgs/{world.county_org.id}/export"
    assert client.get(f"{base}?format=pdf").status_code == 400
    assert client.get(f"{base}?format=csv&subtree=2").status_code == 400
    assert client.get("/rosters/orgs/99999/export?format=csv").status_code == 404
    assert client.get("/rosters/search/export?format=csv&region=abc").status_code == 400
    assert (
        db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "roster.export")) is None
    )


def test_roster_page_in_english(client, auth, world, org_admin) -> None:  # type: ignore[no-untyped-def]
    """Headings and buttons say what to do (the audit log's "Roster exported" is another
    message), and labels end in an English colon."""
    auth.login(org_admin)
    page = client.get("/rosters/?lang=en").get_data(as_text=True)
    assert '<h2 id="export-h">Export a roster</h2>' in page
    assert ">Import a roster</a>" in page
    assert "Roster exported" not in page and "Roster imported" not in page
    assert "With subordinate organisations: " in page
    assert "：" not in page and "、" not in page
    upload = client.get("/rosters/import?lang=en").get_data(as_text=True)
    assert "Import a roster" in upload and "Roster imported" not in upload
