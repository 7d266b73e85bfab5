"""Ranking rules of docs/SEARCH.md ("Ranking"), one test each, on every backend."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from types import SimpleNamespace

import pytest
from flask import current_app

from directory.core.enums import OrgLevel
from directory.search import service, sync
from tests.factories import make_org, make_person
from tests.search.helpers import names, run

CUR = date(2021, 1, 1)


def _at(org, title: str = "委员", start: date = CUR, end: date | None = None):
    return (org, title, start, end)


@pytest.fixture
def ranked(directory) -> Iterator[SimpleNamespace]:
    """People built to tell every ranking rule apart (on top of the `directory` fixture)."""
    w = directory.world
    current_app.config["SEARCH_AUTO_DRAIN"] = False
    d = SimpleNamespace(**vars(directory))
    # Elsewhere: a county in Nanchong that is not the viewer's subtree, and Guangzhou.
    d.school = make_org("顺庆区实验中学团委", w.shunqing, None, OrgLevel.BRANCH)
    d.jg_org = make_org("建国街道团工委", w.chengdu, w.chengdu_org, OrgLevel.TOWNSHIP)

    def person(name: str, *positions, **kw):
        return make_person(name=name, positions=list(positions), **kw)

    # Tiers. Longer names near the viewer (李明, county committee) must not beat exact ones.
    d.yan_long = person("王䶮华", _at(w.county_org))
    d.yan_other = person("䶮王明", _at(w.county_org))
    d.ztg = person("张涛刚", _at(w.county_org))
    d.zt_prefix = person("张彤刚", _at(w.county_org))
    d.oy_given = person("王欧阳", _at(w.county_org))
    d.oy_whole = person("欧阳", _at(d.gz_org))
    d.tian = person("田甜", _at(d.gz_org))
    d.jg_given = person("李建国", _at(d.gz_org))
    d.jg_inside = person("王建国华", _at(d.gz_org))
    d.jg_org_member = person("赵六", _at(d.jg_org))
    d.city_now = person("刘洋", _at(w.city_org, "组织部长"))
    d.shuimo = make_org("水磨镇团委", d.gz_org.region, d.gz_org, OrgLevel.TOWNSHIP)
    d.shuimogou = make_org("水磨沟镇团委", d.gz_org.region, d.gz_org, OrgLevel.TOWNSHIP)
    d.in_shuimogou = person("阿华", _at(d.shuimogou))
    d.in_shuimo = person("赵华", _at(d.shuimo))
    d.rural = person("陈晨", _at(d.gz_org, "乡村振兴专员"))
    # Fuzzy pinyin and typos.
    d.zang = person("臧彤", _at(d.gz_org))
    d.lina = person("李娜", _at(d.gz_org))
    d.nina = person("倪娜", _at(d.gz_org))
    d.lin = person("林静", _at(d.gz_org))
    d.ling = person("凌静", _at(d.gz_org))
    d.changkang = person("常康", _at(d.gz_org))
    d.mengcheng = person("孟成", _at(d.gz_org))
    d.shenshi = person("沈诗", _at(d.gz_org))
    # Dotted names, each dot variant.
    d.dotted = person("阿依古丽·买买提", _at(d.gz_org))
    d.bullet = person("次仁•多吉", _at(d.gz_org))
    d.katakana = person("扎西・顿珠", _at(d.gz_org))
    d.fullstop = person("古丽．艾力", _at(d.gz_org))
    # Closeness to the viewer 李明 (current post in 共青团顺庆区委): six 王伟.
    old = date(2015, 1, 1), date(2018, 12, 31)
    d.w_rest_former = person("王伟", _at(d.gz_org, "干事", *old))
    d.w_rest = person("王伟", _at(d.gz_org))
    d.w_past = person("王伟", _at(w.county_org, "干事", *old), _at(w.chengdu_org))
    d.w_region = person("王伟", _at(d.school))
    d.w_child = person("王伟", _at(w.street_org))
    d.w_parent = person("王伟", _at(w.city_org))
    d.w_same = person("王伟", _at(w.county_org))
    sync.drain()
    current_app.config["SEARCH_AUTO_DRAIN"] = True
    yield d


def test_exact_name_beats_longer_names_near_the_viewer(ranked) -> None:
    found = names(ranked.org_admin, q="王䶮")
    assert found[0] == "王䶮"
    assert {"王䶮华", "䶮王明"} <= set(found[1:])


def test_exact_initials_beat_longer_names_near_the_viewer(ranked) -> None:
    found = names(ranked.org_admin, q="zt")
    assert found[:2] == ["张彤", "臧彤"] or found[:2] == ["臧彤", "张彤"]
    assert found.index("张涛刚") > 1 and found.index("张彤刚") > 1


def test_exact_full_pinyin_first(ranked) -> None:
    assert names(ranked.org_admin, q="zhangtong")[0] == "张彤"
    assert names(ranked.org_admin, q="zhangtonggang")[0] == "张彤刚"


def test_name_prefix_before_surname_or_given_name(ranked) -> None:
    found = names(ranked.org_admin, q="张彤")
    assert found[:2] == ["张彤", "张彤刚"]


def test_compound_surname_holder_before_given_name(ranked) -> None:
    found = names(ranked.org_admin, q="欧阳")
    # Exact name, then the surname as a name prefix, then 欧阳 as a given name.
    assert found[:3] == ["欧阳", "欧阳娜娜", "王欧阳"]


def test_surname_or_given_name_before_organisation(ranked) -> None:
    found = names(ranked.org_admin, q="建国")
    # Given name, then elsewhere in a name, then an organisation's name.
    assert found.index("李建国") < found.index("王建国华") < found.index("赵六")
    found = names(ranked.org_admin, q="tian")
    assert found.index("田甜") < found.index("单田芳")


def test_whole_organisation_name_before_its_words(ranked) -> None:
    found = names(ranked.org_admin, q="水磨镇团委")
    assert found[0] == "赵华"
    assert "阿华" in found


def test_current_organisation_before_former(ranked) -> None:
    found = names(ranked.org_admin, q="南充团市委")
    assert "刘洋" in found and "曾国藩" in found
    assert found.index("刘洋") < found.index("曾国藩")


def test_organisation_and_title_before_bio(ranked) -> None:
    found = names(ranked.org_admin, q="乡村振兴")
    assert found == ["陈晨", "单田芳"]


def test_closeness_to_the_viewer_within_a_tier(ranked) -> None:
    ids = [h.person.id for h in run(ranked.org_admin, q="王伟").hits]
    d = ranked
    same, child, parent = d.w_same.id, d.w_child.id, d.w_parent.id
    assert ids[0] == same
    # Parent and children form one group, in name order (same name: by id).
    assert set(ids[1:3]) == {child, parent}
    assert ids[3:] == [d.w_region.id, d.w_past.id, d.w_rest.id, d.w_rest_former.id]


def test_current_position_before_former_only(ranked) -> None:
    ids = [h.person.id for h in run(ranked.outsider, q="王伟").hits]
    # For 赵丽 (Chengdu), 王伟 in Chengdu is closest; the former-only 王伟 comes last.
    assert ids[0] == ranked.w_past.id
    assert ids[-1] == ranked.w_rest_former.id


def test_another_viewer_sees_another_order(ranked) -> None:
    first = run(ranked.outsider, q="王伟").hits[0].person.id
    assert first != run(ranked.org_admin, q="王伟").hits[0].person.id


def test_sort_by_name_ignores_closeness(ranked) -> None:
    ids = [h.person.id for h in run(ranked.org_admin, q="王伟", sort="name").hits]
    assert ids == sorted(ids)


# The tables below are checked in one test each: building `ranked` takes a second or two,
# a query milliseconds. Every miss of a table is reported, not only the first.
FUZZY_BELOW_EXACT = [
    ("zangtong", "臧彤", "张彤"),  # z/zh
    ("lina", "李娜", "倪娜"),  # n/l
    ("linjing", "林静", "凌静"),  # in/ing
    ("lingjing", "凌静", "林静"),
]


def test_fuzzy_pinyin_below_exact(ranked) -> None:
    missed = {}
    for q, exact, fuzzy in FUZZY_BELOW_EXACT:
        found = names(ranked.org_admin, q=q)
        if found[:1] != [exact] or fuzzy not in found:
            missed[q] = found[:3]
    assert not missed


FUZZY_FINDS = [
    ("cankan", "常康"),  # c/ch, an/ang
    ("mencen", "孟成"),  # en/eng, c/ch
    ("sensi", "沈诗"),  # s/sh
    ("zangt", "张彤"),  # a fuzzy prefix
]


def test_fuzzy_pinyin_finds(ranked) -> None:
    missed = {q: who for q, who in FUZZY_FINDS if who not in names(ranked.org_admin, q=q)}
    assert not missed


def _first_misses(viewer, cases: list[tuple[str, str]]) -> dict[str, list[str]]:
    """The queries of `cases` whose first result is not the expected name."""
    found = {q: names(viewer, q=q) for q, _ in cases}
    return {q: found[q][:3] for q, expected in cases if found[q][:1] != [expected]}


ONE_WRONG_LETTER = [
    ("zhangtomg", "张彤"),  # one wrong letter
    ("zengguofna", "曾国藩"),  # two letters swapped
    ("shantianfng", "单田芳"),  # one missing
    ("ouyangnnana", "欧阳娜娜"),  # one extra
    ("zanggtong", "张彤"),  # fuzzy and one extra: still found
]


def test_one_wrong_letter_in_full_pinyin(ranked) -> None:
    assert not _first_misses(ranked.org_admin, ONE_WRONG_LETTER)


def test_short_words_are_not_typo_matched(ranked) -> None:
    assert "张彤" not in names(ranked.org_admin, q="zhanf")


DOTTED = [
    ("买买提", "阿依古丽·买买提"),
    ("阿依古丽", "阿依古丽·买买提"),
    ("阿依古丽买买提", "阿依古丽·买买提"),
    ("阿依古丽·买买提", "阿依古丽·买买提"),
    ("阿依古丽 买买提", "阿依古丽·买买提"),
    ("阿依古丽•买买提", "阿依古丽·买买提"),
    ("maimaiti", "阿依古丽·买买提"),
    ("ayiguli", "阿依古丽·买买提"),
    ("ayiguli maimaiti", "阿依古丽·买买提"),
    ("ayiguli·maimaiti", "阿依古丽·买买提"),
    ("aygl", "阿依古丽·买买提"),
    ("多吉", "次仁•多吉"),
    ("次仁", "次仁•多吉"),
    ("次仁多吉", "次仁•多吉"),
    ("duoji", "次仁•多吉"),
    ("顿珠", "扎西・顿珠"),
    ("扎西顿珠", "扎西・顿珠"),
    ("zhaxi", "扎西・顿珠"),
    ("艾力", "古丽．艾力"),
    ("古丽.艾力", "古丽．艾力"),
]


def test_every_part_of_a_dotted_name(ranked) -> None:
    assert not _first_misses(ranked.org_admin, DOTTED)


def test_same_names_told_apart_in_results(ranked) -> None:
    hits = run(ranked.org_admin, q="王伟").hits
    assert all(h.same_name for h in hits)
    contexts = [h.context for h in hits]
    assert "四川省 › 南充市 › 顺庆区 › 共青团顺庆区委" in contexts
    assert "广东省 › 广州市 › 共青团广州市委" in contexts
    assert not run(ranked.org_admin, q="田甜").hits[0].same_name


def test_same_names_told_apart_in_suggestions(ranked) -> None:
    with current_app.test_request_context():
        found = service.suggest(ranked.org_admin, "王伟", limit=3)
        single = service.suggest(ranked.org_admin, "田甜", limit=3)
    assert found[0].id == ranked.w_same.id
    assert len({s.label for s in found}) == 3
    assert found[0].label == "王伟（四川省 › 南充市 › 顺庆区 › 共青团顺庆区委）"
    assert single[0].label == "田甜" and single[0].detail.endswith("共青团广州市委")


def test_results_page_shows_the_region_path(ranked, client, auth) -> None:
    auth.login(ranked.org_admin)
    page = client.get("/search/?q=王伟").get_data(as_text=True)
    assert "顺庆区 › 共青团顺庆区委" in page and "广州市 › 共青团广州市委" in page
    api = client.get("/api/v1/people?q=王伟").get_json()
    assert api["results"][0]["context"] == "四川省 › 南充市 › 顺庆区 › 共青团顺庆区委"


def test_broad_words_rank_the_viewers_organisation_first(ranked) -> None:
    hits = run(ranked.org_admin, q="委员").hits
    assert hits[0].current[0].organisation.name == "共青团顺庆区委"
    hits = run(ranked.outsider, q="委员").hits
    assert hits[0].current[0].organisation.name == "共青团成都市委"
