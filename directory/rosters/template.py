"""The downloadable import template: Chinese headers, one commented example, the rules."""

from __future__ import annotations

import csv
import io

from flask import current_app
from flask_babel import force_locale

from directory.rosters import columns as C

PEOPLE_EXAMPLE = [
    "# 示例（以 # 开头的行不会导入）：张三", "zhangsan@example.org", "13800138000", "zhangsan_wx",
    "男", "1996", "共青团员", "兼职", "编制外", "模范街社区团支部", "副书记", "", "2021-03-01", "",
]  # fmt: skip
ORGS_EXAMPLE = ["# 示例：某某村团支部", "某某镇团委", "团支部", "511302001001", "农村"]


def _help_rows() -> list[list[str]]:
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return [
            ["填写说明"],
            [
                "“花名册”工作表：每行一人，一人一行；电子邮箱用来识别同一个人，重复导入不会重复建人。"
            ],
            ["必填：姓名、电子邮箱、所属团组织。留空的单元格不会清除已有信息。"],
            ["团组织写全称；同名的团组织请写成“名称 #编号”（编号见团组织页面地址）。"],
            ["职务一行一条：填写职务、任职开始（如 2021-03-01），任职组织不填则为所属团组织。"],
            [f"性别：{C.choices('gender')}"],
            [f"政治面貌：{C.choices('political_status')}"],
            [f"干部类型：{C.choices('cadre_kind')}"],
            [f"编制：{C.choices('establishment')}"],
            ["“团组织”工作表：新建团组织，上级团组织须在你的管理范围内或在本表中先出现。"],
            [f"组织层级：{C.choices('level')}"],
            [f"领域：{C.choices('sector')}"],
            ["不要使用公式和合并单元格；以 # 开头的行会被忽略。"],
        ]


def template_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    people = book.active
    assert people is not None
    people.title = C.PEOPLE_SHEET
    people.append(list(C.PEOPLE))
    people.append(PEOPLE_EXAMPLE)
    orgs = book.create_sheet(C.ORGS_SHEET)
    orgs.append(list(C.ORGS))
    orgs.append(ORGS_EXAMPLE)
    help_sheet = book.create_sheet(C.HELP_SHEET)
    for row in _help_rows():
        help_sheet.append(row)
    for sheet in (people, orgs):
        for cell in sheet[1]:
            sheet.column_dimensions[cell.column_letter].width = 16
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_csv() -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(list(C.PEOPLE))
    writer.writerow(PEOPLE_EXAMPLE)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
