"""Shared helpers in directory/core: now(), LIKE escaping, ListPage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import select

from directory.core import time as clock
from directory.core.pagination import ListPage
from directory.core.sql import contains, escape_like, startswith
from directory.extensions import db
from directory.regions.models import Region
from tests.factories import make_region


def test_now_is_naive_utc() -> None:
    value = clock.now()
    assert value.tzinfo is None
    assert abs(value - datetime.now(UTC).replace(tzinfo=None)) < timedelta(minutes=1)


def test_escape_like_escapes_wildcards_and_the_escape_itself() -> None:
    assert escape_like(r"50%_a\b") == r"50\%\_a\\b"


def _names(condition) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(db.session.scalars(select(Region.name).where(condition)))


def test_contains_and_startswith_take_user_text_literally(app: Flask) -> None:
    make_region("51", "100%村")
    make_region("52", "1000村")
    make_region("53", "a_b村")
    make_region("54", "axb村")
    make_region("55", "x\\y村")
    assert _names(contains(Region.name, "%")) == ["100%村"]
    assert _names(contains(Region.name, "0%")) == ["100%村"]
    assert _names(contains(Region.name, "_")) == ["a_b村"]
    assert _names(startswith(Region.name, "a_")) == ["a_b村"]
    assert _names(contains(Region.name, "\\")) == ["x\\y村"]
    assert _names(startswith(Region.name, "1")) == sorted(["1000村", "100%村"])


def test_list_page_counted_and_uncounted(app: Flask) -> None:
    for n in range(7):
        make_region(f"{11 + n}", f"省{n}")
    query = select(Region).order_by(Region.code)
    page = ListPage.fetch(query, 2, 3)
    assert [r.code for r in page.items] == ["14", "15", "16"]
    assert (page.total, page.pages, page.has_prev, page.has_next) == (7, 3, True, True)
    last = ListPage.fetch(query, 3, 3)
    assert [r.code for r in last.items] == ["17"] and not last.has_next

    quick = ListPage.fetch(query, 2, 3, count=False)
    assert quick.total is None and quick.has_next and quick.pages == 3
    end = ListPage.fetch(query, 3, 3, count=False)
    assert [r.code for r in end.items] == ["17"] and not end.has_next and end.pages == 3


def test_iter_pages_leaves_gaps_like_flask_sqlalchemy() -> None:
    page = ListPage(items=[], total=200, page=10, per_page=10)
    assert list(page.iter_pages()) == [1, 2, None, 8, 9, 10, 11, 12, 13, None, 19, 20]
    assert list(ListPage([], 25, 1, 10).iter_pages()) == [1, 2, 3]


def test_gc_paused_restores_the_collector() -> None:
    import gc

    from directory.core.memory import gc_paused

    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # left as the caller had it
    finally:
        gc.enable()
