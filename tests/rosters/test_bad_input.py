"""The issue's list of bad files: a clear message, nothing written, never a 500."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from directory.extensions import db
from directory.people.models import Person
from directory.rosters import reading
from tests.rosters.helpers import HEAD, csv_bytes, person_row, upload, xlsx

ROW = person_row(name="褚红", email="chuhong@example.org", membership_org="模范街社区团支部")


def _formula_book() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "花名册"
    sheet.append(HEAD)
    sheet.append(["褚红", "chuhong@example.org", "=1+1"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _merged_header() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEAD)
    sheet.merge_cells("A1:B1")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xml_bomb() -> bytes:
    """A valid workbook whose sheet declares the "billion laughs" entities."""
    source = zipfile.ZipFile(io.BytesIO(xlsx([ROW])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
                    f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)
                )
                doctype = f"<!DOCTYPE worksheet [{entities}]>".encode()
                if data.startswith(b"<?xml"):
                    head, _sep, rest = data.partition(b"?>")
                    data = head + b"?>" + doctype + rest
                else:
                    data = doctype + data
                data = data.replace(
                    b"</sheetData>",
                    b'<row r="9"><c r="A9" t="inlineStr"><is><t>&i;</t></is></c></row></sheetData>',
                )
            target.writestr(item, data)
    return out.getvalue()


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        target.writestr("xl/workbook.xml", "<workbook/>")
        target.writestr("xl/worksheets/sheet1.xml", b"<" + b" " * 300_000_000 + b">")
    return out.getvalue()


CASES = {
    "not a spreadsheet": (
        b"hello, this is\x00\x01 a binary blob" * 20,
        "notes.csv",
        "无法识别文件内容",
    ),
    "renamed binary": (
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
        "roster.xlsx",
        "内容不是 Excel",
    ),
    "old excel": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "roster.xlsx", "旧版 Excel"),
    "broken zip": (b"PK\x03\x04garbage", "roster.xlsx", "无法读取该 Excel 文件"),
    "formulas": (_formula_book(), "roster.xlsx", "单元格 C2 含有公式"),
    "merged header": (_merged_header(), "roster.xlsx", "合并单元格（A1:B1）"),
    "extra column": (
        xlsx([[*ROW, "x"]], head=[*HEAD, "备注"]),
        "roster.xlsx",
        "无法识别的列：备注",
    ),
    "missing column": (xlsx([ROW[1:]], head=HEAD[1:]), "roster.xlsx", "缺少必填的列：姓名"),
    "cells beyond the header": (xlsx([[*ROW, "多余"]]), "roster.xlsx", "表头以外的列里还有内容"),
    "utf-16": (csv_bytes([ROW], "utf-16"), "roster.csv", "UTF-16"),
    "xml bomb": (_xml_bomb(), "roster.xlsx", "不允许的 XML 声明"),
    "zip bomb": (_zip_bomb(), "roster.xlsx", "解压后异常巨大"),
    "empty": (b"", "roster.csv", "文件是空的"),
    "wrong extension": (b"a,b", "roster.pdf", "请上传 .xlsx 或 .csv 文件"),
    "headers only": (csv_bytes([]), "roster.csv", "没有数据行"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_files_get_a_message_and_write_nothing(client, auth, world, org_admin, case) -> None:  # type: ignore[no-untyped-def]
    data, name, message = CASES[case]
    auth.login(org_admin)
    before = db.session.scalar(select(func.count()).select_from(Person))
    r = upload(client, data, name)
    if r.status_code == 303:  # stored: the preview says what is wrong
        r = client.get(r.headers["Location"])
        if r.status_code == 200:
            assert "确认导入" not in r.get_data(as_text=True)
            r = client.post(r.request.path)
    body = r.get_data(as_text=True)
    assert 400 <= r.status_code < 500, (case, r.status_code)
    assert message in body, (case, body[-2000:])
    assert db.session.scalar(select(func.count()).select_from(Person)) == before


def test_too_many_rows(client, auth, world, org_admin, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(reading, "MAX_ROWS", 50)
    auth.login(org_admin)
    rows = [
        person_row(name=f"人{i}", email=f"p{i}@example.org", membership_org="模范街社区团支部")
        for i in range(60)
    ]
    for data, name in ((csv_bytes(rows), "big.csv"), (xlsx(rows), "big.xlsx")):
        r = client.get(upload(client, data, name).headers["Location"])
        assert r.status_code == 422 and "请拆分后分批导入" in r.get_data(as_text=True)


def test_two_hundred_thousand_rows_are_refused(client, auth, world, org_admin) -> None:  # type: ignore[no-untyped-def]
    auth.login(org_admin)
    # Rows of empty cells keep the upload under the test client's 500 kB in-memory limit
    # (a larger body is spooled to a temporary file the test client leaves open).
    data = csv_bytes([]) + b",\n" * 200_000
    r = client.get(upload(client, data, "huge.csv").headers["Location"])
    assert r.status_code == 422 and "超过 20000 行" in r.get_data(as_text=True)


def test_formula_payloads_are_kept_as_text_and_neutralised_on_export(
    client, auth, world, org_admin
) -> None:  # type: ignore[no-untyped-def]
    auth.login(org_admin)
    rows = [person_row(name="=cmd|' /C calc'!A0", email="payload@example.org",
                       wechat="@SUM(A1)", membership_org="模范街社区团支部")]  # fmt: skip
    preview = upload(client, csv_bytes(rows), "p.csv").headers["Location"]
    assert client.post(preview).status_code == 303
    person = db.session.scalar(select(Person).where(Person.email == "payload@example.org"))
    assert person.name == "=cmd|' /C calc'!A0"  # data, stored as typed
    text = client.get(f"/rosters/orgs/{world.branch.id}/export?format=csv").get_data(as_text=True)
    assert "'=cmd|' /C calc'!A0" in text and "'@SUM(A1)" in text
