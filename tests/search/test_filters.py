"""Filters, facet counts, sorting and paging, on each backend."""

from __future__ import annotations

from datetime import date

from directory.search import sync
from tests.factories import make_person
from tests.search.helpers import names, run


def test_region_filter_includes_everything_below(directory) -> None:
    sichuan = set(names(directory.cadre, region="51"))
    assert {"张彤", "李明", "赵丽", "曾国藩", "单田芳", "王䶮", "仇小明"} <= sichuan
    assert "欧阳娜娜" not in sichuan
    shunqing = set(names(directory.cadre, region="511302"))
    assert shunqing == {"张彤", "李明", "王䶮", "仇小明"}
    assert set(names(directory.cadre, region="44")) == {"欧阳娜娜"}


def test_region_with_query_and_pinyin(directory) -> None:
    assert names(directory.cadre, q="zt", region="5113") == ["张彤"]
    assert names(directory.cadre, q="zt", region="44") == []


def test_current_and_former_scope_filters(directory) -> None:
    # 曾国藩 served in Nanchong until 2019 and is now in Chengdu.
    assert "曾国藩" in names(directory.cadre, region="5113")
    assert "曾国藩" in names(directory.cadre, region="5113", status="former")
    assert "曾国藩" not in names(directory.cadre, region="5113", status="current")
    assert "曾国藩" in names(directory.cadre, region="5101", status="current")


def test_organisation_filter_takes_the_subtree(directory) -> None:
    w = directory.world
    assert set(names(directory.cadre, org=str(w.county_org.id))) == {
        "张彤",
        "李明",
        "王䶮",
        "仇小明",
    }
    assert names(directory.cadre, org=str(w.branch.id)) == ["张彤"]


def test_enum_filters(directory) -> None:
    assert names(directory.cadre, kind="full_time") == ["曾国藩"]
    assert names(directory.cadre, est="out") == ["单田芳"]
    assert names(directory.cadre, pol="league") == ["单田芳"]
    assert names(directory.cadre, sector="school") == ["单田芳"]
    assert set(names(directory.cadre, sector="community")) == {"张彤"}


def test_facet_counts_match_the_filtered_results(directory) -> None:
    page = run(directory.cadre, region="51")
    assert page.facets["region"] == {"5113": 5, "5101": 2, "5107": 1}
    assert page.facets["kind"] == {"full_time": 1, "part_time": 1}
    assert page.facets["status"]["former"] == 1
    # Disjunctive: choosing a kind keeps the other kinds' counts visible.
    chosen = run(directory.cadre, region="51", kind="part_time")
    assert chosen.total == 1
    assert chosen.facets["kind"] == {"full_time": 1, "part_time": 1}
    # 曾国藩 served in the city committee itself, not in a county below it.
    assert run(directory.cadre, region="5113").facets["region"] == {"511302": 4}


def test_inactive_people_hidden_from_cadres_everywhere(directory, admin) -> None:
    assert "解放" not in names(directory.cadre, q="解放")
    assert "解放" not in names(directory.cadre, q="xiefang")
    page = run(directory.cadre, region="511302")
    assert page.total == 4 and page.facets["region"] == {"511302001": 3}
    assert "解放" in names(admin, q="xiefang")
    seen_by_admin = run(admin, region="511302")
    assert seen_by_admin.total == 5 and seen_by_admin.facets["region"] == {"511302001": 4}


def test_sort_by_pinyin_name(directory) -> None:
    found = names(directory.cadre, region="51", sort="name")
    assert found == ["李明", "仇小明", "单田芳", "王䶮", "曾国藩", "张彤", "赵丽"]


def test_paging(directory, app) -> None:
    app.config["SEARCH_AUTO_DRAIN"] = False
    for i in range(45):
        make_person(name=f"刘{'一二三四五六七八九十'[i % 10]}{i}")
    sync.drain()
    first = run(directory.cadre, q="liu", sort="name")
    assert first.total == 45 and first.pages == 3 and len(first.hits) == 20
    third = run(directory.cadre, q="liu", sort="name", page="3")
    assert len(third.hits) == 5
    assert not {h.person.id for h in first.hits} & {h.person.id for h in third.hits}
    assert run(directory.cadre, q="liu", page="9").hits == []


def test_name_sort_for_former_cadres(directory, app) -> None:
    w = directory.world
    make_person(name="安然", positions=[(w.branch, "委员", date(2010, 1, 1), date(2012, 1, 1))])
    page = run(directory.cadre, q="anran")
    assert [h.person.name for h in page.hits] == ["安然"]
    assert [p.organisation.name for p in page.hits[0].former] == ["模范街社区团支部"]
