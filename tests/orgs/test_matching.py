"""Organisations are found by name, pinyin, initials and the names above them (issue 10)."""

from __future__ import annotations

import pytest

from directory.core.enums import OrgLevel, Sector
from directory.extensions import db
from directory.orgs.matching import find_orgs, name_readings, org_paths
from directory.orgs.picker import org_choices
from tests.factories import make_org


def names(text: str, **kw) -> list[str]:
    return [o.name for o in find_orgs(text, **kw)]


def test_readings_from_each_syllable() -> None:
    forms = name_readings("共青团南充市委")
    assert "gongqingtuannanchongshiwei" in forms and "nanchongshiwei" in forms
    assert "gqtncsw" in forms and "ncsw" in forms
    assert name_readings("成都7中团支部")[0].startswith("chengdu7")


@pytest.mark.parametrize(
    "typed", ["南充", "nanchong", "NanChong", "ncs", "gqtnc", "nanch", "南充 市委"]
)
def test_pinyin_initials_and_characters_find_the_city(world, typed) -> None:
    assert names(typed)[0] == "共青团南充市委"


def test_own_name_before_path_and_path_finds_the_ones_below(world) -> None:
    found = names("南充")
    # The committee itself first, then what lies below it (found through its path).
    assert found[0] == "共青团南充市委"
    assert set(found[1:]) == {"共青团顺庆区委", "中城街道团工委", "模范街社区团支部"}
    assert "共青团成都市委" not in found
    # Words narrow down: a branch by its own name and a committee above it.
    assert names("顺庆 模范街") == ["模范街社区团支部"]
    assert names("shunqing tuanzhibu") == ["模范街社区团支部"]
    assert names("成都 模范街") == []


def test_same_names_told_apart_by_path(world) -> None:
    a = make_org("三合村团支部", world.shunqing, world.county_org, OrgLevel.BRANCH, Sector.RURAL)
    b = make_org("三合村团支部", world.chengdu, world.chengdu_org, OrgLevel.BRANCH, Sector.RURAL)
    db.session.commit()
    assert {o.id for o in find_orgs("shc")} == {a.id, b.id}
    assert [o.id for o in find_orgs("成都 三合村")] == [b.id]
    details = {c.value: c.detail for c in org_choices(find_orgs("三合村团支部"))}
    assert details[a.id] == "共青团四川省委 › 共青团南充市委 › 共青团顺庆区委"
    assert details[b.id] == "共青团四川省委 › 共青团成都市委"


def test_filters_under_level_and_dissolved(world) -> None:
    from directory.core import time as clock

    gone = make_org("三合村团支部", world.shunqing, world.county_org, OrgLevel.BRANCH)
    gone.dissolved_at = clock.now()
    db.session.commit()
    assert names("三合村") == []
    assert names("三合村", include_dissolved=True) == ["三合村团支部"]
    assert names("tuan", under=world.county_org, level=OrgLevel.BRANCH) == ["模范街社区团支部"]
    assert names("南充", under=world.city_org) == [
        "共青团顺庆区委",
        "中城街道团工委",
        "模范街社区团支部",
    ]
    assert find_orgs("   ") == [] and org_paths([]) == {}


def test_the_tree_is_read_again_after_own_writes_and_after_a_while(world, monkeypatch) -> None:
    """Each process keeps the tree for TREE_SECONDS (a picker asks per keystroke) and
    forgets it when it writes an organisation, through the ORM or a bulk statement."""
    import time

    from sqlalchemy import text, update

    from directory.orgs import matching
    from directory.orgs.models import Organisation

    assert names("三合村") == []  # the tree is now kept
    made = make_org("三合村团支部", world.shunqing, world.county_org, OrgLevel.BRANCH)
    db.session.commit()
    assert names("三合村") == ["三合村团支部"]
    db.session.execute(
        update(Organisation).where(Organisation.id == made.id).values(name="五星村团支部")
    )
    db.session.commit()
    assert names("五星村") == ["五星村团支部"] and names("三合村") == []

    # Another process renames it: this one sees the change once its copy is old enough.
    with db.engine.begin() as other:
        other.execute(
            text("UPDATE organisation SET name = '七里村团支部' WHERE id = :i"), {"i": made.id}
        )
    assert names("七里村") == []
    later = time.monotonic() + matching.TREE_SECONDS + 1
    monkeypatch.setattr(matching.time, "monotonic", lambda: later)
    assert [o.id for o in find_orgs("七里村")] == [made.id]
