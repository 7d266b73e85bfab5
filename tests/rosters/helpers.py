"""Building import files for the tests."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook

from directory.rosters import columns as C

HEAD = list(C.PEOPLE)


def person_row(**values: Any) -> list[str]:
    """A row in the template's column order; keys are the column keys (name, email...)."""
    keys = list(C.PEOPLE.values())
    return [str(values.get(k, "")) for k in keys]


def xlsx(
    rows: list[list[Any]], orgs: list[list[Any]] | None = None, head: list[str] | None = None
) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = C.PEOPLE_SHEET
    sheet.append(head or HEAD)
    for row in rows:
        sheet.append(row)
    if orgs is not None:
        org_sheet = book.create_sheet(C.ORGS_SHEET)
        org_sheet.append(list(C.ORGS))
        for row in orgs:
            org_sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(
    rows: list[list[str]], encoding: str = "utf-8-sig", head: list[str] | None = None
) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(head or HEAD)
    writer.writerows(rows)
    return buf.getvalue().encode(encoding)


def upload(client, data: bytes, name: str = "roster.xlsx"):  # type: ignore[no-untyped-def]
    return client.post(
        "/rosters/import",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )
