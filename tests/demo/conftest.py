"""A small slice of real regions for the demo seed: three Sichuan cities and Chongqing."""

from __future__ import annotations

import pytest
from flask import Flask

from tests.factories import make_region

# (code, name); parents follow from the code prefixes.
SMALL_REGIONS = (
    ("51", "四川省"),
    ("5101", "成都市"),
    ("510104", "锦江区"),
    ("510104020", "春熙路街道"),
    ("510104021", "书院街街道"),
    ("510116", "双流区"),
    ("510116004", "东升街道"),
    ("510116104", "黄甲镇"),
    ("5113", "南充市"),
    ("511302", "顺庆区"),
    ("511302001", "中城街道"),
    ("511302002", "北城街道"),
    ("511302104", "共兴镇"),
    ("511302200", "新复乡"),
    ("511321", "南部县"),
    ("511321001", "南隆街道"),
    ("511321102", "定水镇"),
    ("511321205", "大桥乡"),
    ("511321400", "南部县良种场"),
    ("511381", "阆中市"),
    ("511381001", "保宁街道"),
    ("511381103", "老观镇"),
    ("5132", "阿坝藏族羌族自治州"),
    ("513201", "马尔康市"),
    ("513201100", "马尔康镇"),
    ("513201101", "卓克基镇"),
    ("513221", "汶川县"),
    ("513221100", "威州镇"),
    ("513221101", "映秀镇"),
    ("50", "重庆市"),
    ("5001", "市辖区"),
    ("500101", "万州区"),
    ("500101001", "高笋塘街道"),
    ("500101100", "龙沙镇"),
)


@pytest.fixture
def small_regions(app: Flask) -> None:
    """Create SMALL_REGIONS (committed)."""
    made = {}
    for code, name in SMALL_REGIONS:
        parent = next(
            (made[code[:n]] for n in (6, 4, 2) if code[:n] in made and n < len(code)), None
        )
        made[code] = make_region(code, name, parent)
    from directory.extensions import db

    db.session.commit()
