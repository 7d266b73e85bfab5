"""Text processing: surname readings, pinyin forms, segmentation, normalisation."""

from __future__ import annotations

import pytest

from directory.core import text
from directory.search.query import build_tree


@pytest.mark.parametrize(
    ("name", "pinyin"),
    [
        ("曾国藩", "zengguofan"),
        ("单田芳", "shantianfang"),
        ("解缙", "xiejin"),
        ("仇小明", "qiuxiaoming"),
        ("区志航", "ouzhihang"),
        ("朴正浩", "piaozhenghao"),
        ("查良镛", "zhaliangyong"),
        ("盖文", "gewen"),
        ("欧阳娜娜", "ouyangnana"),
        ("长孙无忌", "zhangsunwuji"),
        ("张彤", "zhangtong"),
    ],
)
def test_surname_readings(name: str, pinyin: str) -> None:
    assert text.name_pinyin(name) == pinyin


def test_pinyin_forms_cover_full_initials_and_given_name() -> None:
    forms = text.pinyin_forms("张彤")
    assert {"zhangtong", "zt", "zhangt", "tong", "t"} <= set(forms)


def test_name_tokens_keep_rare_characters() -> None:
    tokens = text.name_tokens("王䶮")
    assert "䶮" in tokens and "王䶮" in tokens


def test_traditional_is_simplified_and_syntax_dropped() -> None:
    assert text.normalise("團委 書記") == "团委 书记"
    assert text.normalise('AND "x" * ? ~ ^ [') == "and x"
    assert text.normalise("😀🎉") == ""


@pytest.mark.parametrize(
    ("org", "word"),
    [
        ("共青团南充市委", "团市委"),
        ("共青团顺庆区委", "团区委"),
        ("中城街道团工委", "团工委"),
        ("南充团市委", "团委"),
        ("绵阳中学团委", "团委"),
    ],
)
def test_org_type_words_are_normalised(org: str, word: str) -> None:
    assert word in text.segment(org)
    assert "团委" in text.segment(org)


def test_query_words_split_scripts_and_keep_mixed() -> None:
    assert text.query_words("张t zhang tong 團委") == ["张t", "zhang", "tong", "团委"]
    assert text.query_words("x" * 500) == ["x" * text.MAX_QUERY]


@pytest.mark.parametrize("raw", ["", "   ", "😀", "*?~^[]", '"'])
def test_queries_without_words_have_no_tree(raw: str) -> None:
    assert build_tree(raw) == (None, [])
