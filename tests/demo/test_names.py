"""Name tables and organisation naming rules used by the demo seed."""

from __future__ import annotations

import random
from collections import Counter

from directory.demo.names import SURNAMES, random_name
from directory.demo.seed import city_org_name, province_org_name, township_org_name


def test_surnames_follow_real_frequencies():
    rng = random.Random(1)
    names = [random_name(rng, rng.random() < 0.5) for _ in range(50000)]
    surnames = Counter(n[:2] if n[:2] in {s for s, _ in SURNAMES} else n[0] for n in names)
    top = [s for s, _ in surnames.most_common(5)]
    assert set(top) == {"王", "李", "张", "刘", "陈"}
    # The table covers about 83 % of the population, so shares run ~1.2x the census 7.1 %.
    assert 0.06 <= surnames["王"] / len(names) <= 0.095
    assert 1.2 <= surnames["王"] / surnames["刘"] <= 1.6
    for rare in ("曾", "单", "解", "仇", "区", "朴", "查", "盖", "欧阳"):
        assert surnames[rare] >= 1, rare
    one_char_given = sum(len(n) == 2 for n in names) / len(names)
    assert 0.15 <= one_char_given <= 0.35
    assert any("䶮" in n or "堃" in n or "喆" in n for n in names)
    assert len(set(names)) > 15000


def test_organisation_names():
    assert province_org_name("四川省") == "共青团四川省委"
    assert province_org_name("重庆市") == "共青团重庆市委"
    assert province_org_name("广西壮族自治区") == "共青团广西壮族自治区委员会"
    assert city_org_name("南充市") == "共青团南充市委"
    assert city_org_name("凉山彝族自治州") == "共青团凉山州委"
    assert city_org_name("阿坝藏族羌族自治州") == "共青团阿坝州委"
    assert city_org_name("黔东南苗族侗族自治州") == "共青团黔东南州委"
    assert city_org_name("克孜勒苏柯尔克孜自治州") == "共青团克孜勒苏州委"
    assert city_org_name("阿里地区") == "共青团阿里地委"
    assert township_org_name("中城街道") == "中城街道团工委"
    assert township_org_name("共兴镇") == "共兴镇团委"
    assert township_org_name("新复乡") == "新复乡团委"
