"""The outbox: commit → searchable, rollback → never, crash → repaired; CLI commands."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from directory.extensions import db
from directory.people.models import Person
from directory.search import sync
from directory.search.backends import get_backend
from directory.search.models import SearchOutbox
from tests.factories import make_person
from tests.search.helpers import names, run


def outbox_count() -> int:
    return db.session.scalar(select(func.count()).select_from(SearchOutbox)) or 0


def test_committed_change_is_searchable_at_once(directory) -> None:
    make_person(name="韩梅梅", bio="擅长新媒体宣传")
    assert names(directory.cadre, q="hanmeimei") == ["韩梅梅"]
    assert names(directory.cadre, q="新媒体") == ["韩梅梅"]
    assert outbox_count() == 0


def test_rolled_back_change_never_reaches_the_index(directory) -> None:
    db.session.add(Person(name="李雷", email="lilei@example.org", name_pinyin="lilei"))
    db.session.flush()  # after_flush wrote an outbox row inside the transaction
    assert outbox_count() == 1
    db.session.rollback()
    assert outbox_count() == 0
    sync.drain()
    assert names(directory.cadre, q="lilei") == []


def test_profile_edit_reindexes(directory) -> None:
    cadre = directory.cadre
    cadre.bio = "负责网络文明志愿者队伍"
    db.session.commit()
    assert names(directory.cadre, q="网络文明") == ["张彤"]


def test_sign_in_does_not_touch_the_outbox(client, auth, directory) -> None:
    auth.login(directory.cadre)
    assert outbox_count() == 0


def test_crash_between_commit_and_indexing_is_repaired(app, directory) -> None:
    app.config["SEARCH_AUTO_DRAIN"] = False  # as if the process died right after commit
    make_person(name="马丽")
    assert outbox_count() == 1
    # The next search drains what was left.
    assert names(directory.cadre, q="mali") == ["马丽"]
    assert outbox_count() == 0


def test_sync_command_drains(app, runner, directory) -> None:
    app.config["SEARCH_AUTO_DRAIN"] = False
    make_person(name="马丽")
    result = runner.invoke(args=["search", "sync"])
    assert result.exit_code == 0 and "1 outbox rows handled" in result.output
    assert outbox_count() == 0
    assert "马丽" in names(directory.cadre, q="mali")


def test_person_rename_drops_the_old_name_in_the_same_worker(directory) -> None:
    """A searcher opened before the change must not keep counting the replaced copy."""
    assert names(directory.cadre, q="张彤") == ["张彤"]
    directory.cadre.name = "张晓彤"
    db.session.commit()
    assert names(directory.cadre, q="张彤") == []
    assert run(directory.cadre, q="张彤").total == 0
    assert names(directory.cadre, q="张晓彤") == ["张晓彤"]


def test_organisation_rename_reindexes_its_people(directory) -> None:
    branch = directory.world.branch
    branch.name = "模范街社区青年志愿者团支部"
    db.session.commit()
    assert names(directory.cadre, q="青年志愿者") == ["张彤"]


def test_region_rename_reindexes_everyone_below(directory) -> None:
    region = directory.world.shunqing
    region.name = "顺庆新区"
    db.session.commit()
    assert set(names(directory.cadre, q="顺庆新区")) == {"张彤", "李明", "王䶮", "仇小明"}


def test_position_change_moves_person_between_filters(directory) -> None:
    w = directory.world
    cadre = directory.cadre
    cadre.positions[0].end_date = date(2024, 1, 1)
    db.session.commit()
    assert "张彤" in names(directory.cadre, org=str(w.branch.id), status="former")
    assert "张彤" not in names(directory.cadre, org=str(w.branch.id), status="current")


def test_deleted_person_leaves_the_index(directory) -> None:
    db.session.delete(directory.ouyang)
    db.session.commit()
    assert names(directory.cadre, q="ouyang") == []


def test_busy_lock_leaves_work_in_the_outbox(app, directory) -> None:
    app.config["SEARCH_LOCK_TIMEOUT"] = 0.05
    backend = get_backend()
    with backend.lock("person", timeout=1) as ok:
        assert ok
        done = threading.Event()

        def commit_elsewhere() -> None:
            with app.app_context():
                make_person(name="周晓")
            done.set()

        t = threading.Thread(target=commit_elsewhere)
        t.start()
        t.join(10)
        assert done.is_set()
        assert outbox_count() == 1  # the writer was busy: nothing lost, nothing raised
    assert sync.drain() == 1
    assert names(directory.cadre, q="zhouxiao") == ["周晓"]


def test_concurrent_drains_do_not_collide(app, directory) -> None:
    app.config["SEARCH_AUTO_DRAIN"] = False
    for i in range(12):
        make_person(name=f"并发{i}")
    errors: list[BaseException] = []

    def drain() -> None:
        with app.app_context():
            try:
                sync.drain(timeout=20)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

    threads = [threading.Thread(target=drain) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert outbox_count() == 0
    assert len(names(directory.cadre, q="并发")) == 12


def test_reindex_swaps_in_a_fresh_index(runner, directory) -> None:
    before = names(directory.cadre, q="zhangtong")
    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    assert "person: 9 documents indexed" in result.output
    assert names(directory.cadre, q="zhangtong") == before == ["张彤"]


def test_check_reports_and_repairs_drift(runner, directory) -> None:
    # Changes that bypass the ORM (and so the outbox): the index drifts.
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE person SET bio = '精通数据分析' WHERE name = '李明'"))
        conn.execute(
            sa.text(
                "INSERT INTO person (name, name_pinyin, email, session_token, is_admin,"
                " is_active_account, bio, phone_visibility, email_visibility,"
                " wechat_visibility) VALUES ('沈括', 'shenkuo', 'sk@example.org', 'x',"
                " false, true, '', 'shared', 'shared', 'shared')"
            )
        )
    get_backend().apply("person", db.session, [], {directory.shan.id})
    db.session.commit()
    assert names(directory.cadre, q="数据分析") == []
    report = runner.invoke(args=["search", "check", "--no-repair"])
    assert report.exit_code != 0
    assert "1 missing, 0 extra, 1 stale" in report.output or "2 missing" in report.output
    fixed = runner.invoke(args=["search", "check"])
    assert fixed.exit_code == 0 and "repaired" in fixed.output
    assert names(directory.cadre, q="数据分析") == ["李明"]
    assert names(directory.cadre, q="shenkuo") == ["沈括"]
    assert "单田芳" in names(directory.cadre, q="shantianfang")
    again = runner.invoke(args=["search", "check", "--no-repair"])
    assert again.exit_code == 0 and "index matches the database" in again.output


def test_a_failed_reindex_leaves_the_old_index(directory, monkeypatch) -> None:
    """A reindex that fails half-way (here loading its third batch) changes nothing:
    the old index answers as before, and the next reindex runs."""
    from directory.search.documents import DOC_TYPES

    monkeypatch.setattr(sync, "BATCH", 2)  # several batches
    before = [names(directory.cadre, q=q) for q in ("zhangtong", "委员", "曾国藩")]
    person = DOC_TYPES["person"]
    load = person.load
    calls: list[int] = []

    def failing_load(session, keys):  # type: ignore[no-untyped-def]
        calls.append(len(keys))
        if len(calls) == 3:
            raise RuntimeError("the database went away")
        return load(session, keys)

    monkeypatch.setattr(person, "load", failing_load)
    try:
        with pytest.raises(RuntimeError, match="went away"):
            sync.reindex()
    finally:
        monkeypatch.setattr(person, "load", load)
    assert len(calls) == 3
    db.session.rollback()  # a fresh snapshot
    assert [names(directory.cadre, q=q) for q in ("zhangtong", "委员", "曾国藩")] == before
    assert sync.reindex()["person"] == db.session.scalar(select(func.count(Person.id)))
    assert [names(directory.cadre, q=q) for q in ("zhangtong", "委员", "曾国藩")] == before


def test_ahead_hands_over_in_order_raises_and_stops(app) -> None:
    """The rebuild's producer thread (pg_backend._ahead): every item in order, its
    exception raised in the caller, and it stops when the caller stops early."""
    from directory.search.pg_backend import _ahead

    def failing() -> Iterator[int]:
        yield 1
        raise ValueError("bad batch")

    produced: list[int] = []

    def endless() -> Iterator[int]:
        while True:
            produced.append(len(produced))
            yield produced[-1]

    with app.app_context():
        assert list(_ahead(iter(range(50)), depth=2)) == list(range(50))
        with pytest.raises(ValueError, match="bad batch"):
            list(_ahead(failing(), depth=2))
        items = _ahead(endless(), depth=2)
        assert next(items) == 0
        items.close()  # returns once the thread has stopped
        stopped_at = len(produced)
        time.sleep(0.2)
        assert len(produced) == stopped_at <= 5
        assert not [t for t in threading.enumerate() if t.name == "search-rebuild-ahead"]
