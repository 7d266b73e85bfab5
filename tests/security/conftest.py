"""Fixtures of the security tests (the groups fixtures are reused).

`scenario_app`: the permission matrix and the hostile-input sweep act on one scenario
(tests/security/scenario.py). It is built once per test session into a database of its
own, every persona signed in once; each module that uses it gets a copy of that
database (SQLite: a file copy; PostgreSQL: `CREATE DATABASE ... TEMPLATE`) and one app
for the whole module. The copy keeps modules independent (the sweep makes real commits
of refused input), the saved cookies stay valid (the session tokens are in the copy).
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, g

from directory import create_app
from directory.config import TestConfig
from directory.extensions import db
from tests.conftest import _templates_cache
from tests.groups.conftest import owner
from tests.security.scenario import Scenario, build

__all__ = ["owner"]


@dataclass
class Prepared:
    url: str  # the database holding the built scenario (never used by a test itself)
    where: Path  # its search index and uploads
    scenario: Scenario
    pg_admin: sa.Engine | None


def _make_app(url: str, where: Path) -> Flask:
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = url
        SEARCH_INDEX_DIR = str(where / "index")
        UPLOAD_DIR = str(where / "uploads")

    application = create_app(Config)
    application.jinja_env.bytecode_cache = _templates_cache

    def _fresh_request_globals() -> None:
        # As in tests/conftest.py: requests reuse the module's app context and so `g`.
        for key in list(g):
            g.pop(key)

    application.before_request_funcs.setdefault(None, []).insert(0, _fresh_request_globals)
    return application


@pytest.fixture(scope="session")
def prepared_scenario(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    pg_database: str | None,
) -> Iterator[Prepared]:
    where = tmp_path_factory.mktemp("scenario")
    admin = None
    if pg_database:
        url = _pg_url(pg_database, _pg_name(pg_database) + "_scn")
        admin = sa.create_engine(pg_database, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{_pg_name(url)}"'))
    else:
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copyfile(template, where / "scenario.sqlite")
        url = f"sqlite:///{where / 'scenario.sqlite'}"
    application = _make_app(url, where)
    with application.app_context():
        if pg_database:
            db.create_all()
        scenario = build(application)
        db.session.remove()
        db.engine.dispose()
    try:
        yield Prepared(url, where, scenario, admin)
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{_pg_name(url)}" WITH (FORCE)'))
            admin.dispose()


_copies = itertools.count(1)


@pytest.fixture(scope="module")
def scenario_app(
    prepared_scenario: Prepared, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Flask, Scenario]]:
    """A module's own copy of the prepared scenario, and an app (context pushed) on it."""
    where = tmp_path_factory.mktemp("scenario-copy")
    source = prepared_scenario.url
    admin = prepared_scenario.pg_admin
    if admin is not None:
        url = _pg_url(source, f"{_pg_name(source)}{next(_copies)}")
        with admin.connect() as conn:
            conn.execute(
                sa.text(f'CREATE DATABASE "{_pg_name(url)}" TEMPLATE "{_pg_name(source)}"')
            )
    else:
        path = where / "scenario.sqlite"
        shutil.copyfile(sa.engine.make_url(source).database or "", path)
        url = f"sqlite:///{path}"
    # The copy gets the scenario's search index and uploads too (readiness, search results).
    for part in ("index", "uploads"):
        if (prepared_scenario.where / part).is_dir():
            shutil.copytree(prepared_scenario.where / part, where / part)
    application = _make_app(url, where)
    try:
        with application.app_context():
            yield application, prepared_scenario.scenario
            db.session.remove()
            db.engine.dispose()
    finally:
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{_pg_name(url)}" WITH (FORCE)'))


def _pg_name(url: str) -> str:
    return sa.engine.make_url(url).database or ""


def _pg_url(url: str, name: str) -> str:
    return sa.engine.make_url(url).set(database=name).render_as_string(hide_password=False)
