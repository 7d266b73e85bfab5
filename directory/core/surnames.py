"""The project's surname table: polyphonic surnames and compound surnames.

pypinyin reads 曾 as "ceng" and 单 as "dan"; as surnames they are "zeng" and "shan".
Compound surnames (欧阳, 司马 ...) are one surname of two characters.
"""

from __future__ import annotations

# Surname readings that differ from the character's most common reading.
SURNAME_READINGS: dict[str, str] = {
    "曾": "zeng",
    "单": "shan",
    "解": "xie",
    "仇": "qiu",
    "区": "ou",
    "朴": "piao",
    "查": "zha",
    "盖": "ge",
    "覃": "qin",
    "尉": "yu",
    "乐": "yue",
    "缪": "miao",
    "秘": "bi",
    "冼": "xian",
    "员": "yun",
    "种": "chong",
    "繁": "po",
    "召": "shao",
    "长": "chang",
    "蕃": "pi",
    "牟": "mou",
    "翟": "zhai",
    "祭": "zhai",
    "纪": "ji",
    "宓": "fu",
    "句": "gou",
    "阚": "kan",
    "那": "na",
    "沈": "shen",
    "重": "chong",
    "万": "wan",
    "华": "hua",
    "洗": "xian",
    "藏": "zang",
    "任": "ren",
    "相": "xiang",
    "薄": "bo",
    "柏": "bai",
    "石": "shi",
    "都": "du",
    "晟": "cheng",
    "教": "jiao",
}

COMPOUND_SURNAMES: dict[str, str] = {
    "欧阳": "ouyang",
    "司马": "sima",
    "上官": "shangguan",
    "诸葛": "zhuge",
    "东方": "dongfang",
    "皇甫": "huangfu",
    "尉迟": "yuchi",
    "公孙": "gongsun",
    "令狐": "linghu",
    "长孙": "zhangsun",
    "慕容": "murong",
    "宇文": "yuwen",
    "司徒": "situ",
    "夏侯": "xiahou",
    "端木": "duanmu",
    "澹台": "tantai",
    "单于": "chanyu",
    "轩辕": "xuanyuan",
    "独孤": "dugu",
    "南宫": "nangong",
    "申屠": "shentu",
    "闻人": "wenren",
    "呼延": "huyan",
    "万俟": "moqi",
}


def split_name(name: str) -> tuple[str, str]:
    """Split a Chinese name into (surname, given name); compound surnames stay whole."""
    if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


def surname_reading(surname: str) -> str | None:
    """The project's reading of a surname, when it overrides the common reading."""
    return COMPOUND_SURNAMES.get(surname) or SURNAME_READINGS.get(surname)
