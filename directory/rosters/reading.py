"""Reading an uploaded spreadsheet into rows of text, refusing what is not a plain table.

XLSX is read with python-calamine (Rust; several times faster than openpyxl's read-only
mode, see docs/PERFORMANCE.md), after the zip itself is checked: no XML bomb (entity
declarations, absurd sizes or compression ratios), no formulas, no merged cells. CSV is
UTF-8 (with or without BOM) or GB18030 (which includes GBK). Every refusal is a
ValidationError with a message in words, never an exception from a parser.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import gettext as _

from directory.core.errors import ValidationError

MAX_ROWS = 20_000
MAX_UNZIPPED = 200 * 1024 * 1024  # bytes, all parts together
MAX_RATIO = 200  # uncompressed / compressed, per part
_FORMULA = re.compile(rb'<c r="([A-Z]{1,3}[0-9]{1,7})"[^>]*>\s*<f[\s>/]')
_DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass
class Sheet:
    """One table: its name and its rows of cells (text, dates or numbers as read)."""

    name: str
    rows: list[list[object]]


def _refuse(message: str) -> ValidationError:
    return ValidationError(message, field="file")


def read_upload(filename: str, data: bytes) -> list[Sheet]:
    """The tables of an uploaded file, by its content (the name's extension is only a hint)."""
    if not data:
        raise _refuse(_("文件是空的。"))
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise _refuse(_("这是旧版 Excel（.xls）文件，请在 Excel 中另存为 .xlsx 后再导入。"))
    if (filename or "").lower().endswith((".xlsx", ".xlsm")):
        raise _refuse(_("文件扩展名是 .xlsx，但内容不是 Excel 文件。"))
    return [Sheet("csv", _read_csv(data))]


def _decode(data: bytes) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise _refuse(_("文件是 UTF-16 编码，请另存为“CSV UTF-8”后再导入。"))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text
    raise _refuse(_("无法识别文件内容：不是 Excel 文件，也不是 UTF-8 或 GBK 编码的 CSV 文本。"))


def _read_csv(data: bytes) -> list[list[object]]:
    text = _decode(data)
    rows: list[list[object]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            rows.append(list(row))
            if len(rows) > MAX_ROWS + 1:
                raise _refuse(_("文件超过 %(n)d 行，请拆分后分批导入。", n=MAX_ROWS))
    except csv.Error as err:
        raise _refuse(_("CSV 格式有误：%(e)s", e=str(err)[:100])) from None
    return rows


def _check_zip(data: bytes) -> zipfile.ZipFile:
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        infos = book.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _refuse(_("无法读取该 Excel 文件（文件已损坏或不是 .xlsx）。")) from None
    if "xl/workbook.xml" not in {i.filename for i in infos}:
        raise _refuse(_("这个压缩文件不是 Excel 工作簿。"))
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if total > MAX_UNZIPPED or (info.file_size > 1_000_000 and ratio > MAX_RATIO):
            raise _refuse(_("文件解压后异常巨大（可能是恶意构造的文件），已拒绝。"))
    return book


def _scan_parts(book: zipfile.ZipFile) -> None:
    """Refuse entity declarations anywhere and formulas in worksheets (before parsing)."""
    for info in book.infolist():
        if not info.filename.endswith((".xml", ".rels")):
            continue
        with book.open(info) as part:
            head = part.read(4096)
            if _DECLARATION.search(head):
                raise _refuse(_("文件中含有不允许的 XML 声明（可能是恶意构造的文件），已拒绝。"))
            if info.filename.startswith("xl/worksheets/"):
                body = head + part.read()
                found = _FORMULA.search(body)
                if found:
                    cell = found.group(1).decode()
                    raise _refuse(
                        _(
                            "单元格 %(cell)s 含有公式。请把公式转换为数值（复制后“选择性粘贴为数值”）再导入。",
                            cell=cell,
                        )
                    )


def _read_xlsx(data: bytes) -> list[Sheet]:
    from python_calamine import CalamineError, CalamineWorkbook

    book = _check_zip(data)
    _scan_parts(book)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = []
        for index, name in enumerate(workbook.sheet_names):
            sheet = workbook.get_sheet_by_index(index)
            if sheet.height > MAX_ROWS + 1:
                raise _refuse(
                    _(
                        "工作表“%(sheet)s”有 %(rows)d 行，超过 %(n)d 行，请拆分后分批导入。",
                        sheet=name,
                        rows=sheet.height,
                        n=MAX_ROWS,
                    )
                )
            merged = sheet.merged_cell_ranges or []
            if merged:
                (r1, c1), (r2, c2) = merged[0]
                raise _refuse(
                    _(
                        "工作表“%(sheet)s”有合并单元格（%(range)s），请取消合并后再导入。",
                        sheet=name,
                        range=f"{_cell(r1, c1)}:{_cell(r2, c2)}",
                    )
                )
            sheets.append(Sheet(name, [list(r) for r in sheet.to_python(skip_empty_area=False)]))
    except CalamineError:
        raise _refuse(_("无法读取该 Excel 文件（文件已损坏或格式不受支持）。")) from None
    return sheets


def _cell(row: int, col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters}{row + 1}"


def text(value: object) -> str:
    """A cell as trimmed text (whole numbers without ".0", dates as YYYY-MM-DD)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return " ".join(str(value).split())
