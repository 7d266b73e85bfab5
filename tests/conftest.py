"""Shared fixtures: the app on SQLite or PostgreSQL, clients, personas.

The database is chosen by DIRECTORY_TEST_DATABASE_URL: unset means SQLite (a file
per test); a PostgreSQL URL means one throw-away database per test session,
emptied after every test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient, FlaskCliRunner

from directory import create_app
from directory.config import TestConfig
from directory.extensions import db

pytest_plugins = ["tests.factories"]

PG_URL = os.environ.get("DIRECTORY_TEST_DATABASE_URL", "")
PASSWORD = "correct-horse-9"


def pytest_report_header() -> str:
    return f"database: {'PostgreSQL' if PG_URL else 'SQLite'}"


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str | None]:
    """A fresh PostgreSQL database for this session (None on SQLite)."""
    if not PG_URL:
        yield None
        return
    name = f"directory_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


_pg_schema_ready: set[str] = set()


@pytest.fixture
def app_config(tmp_path: Path, pg_database: str | None) -> dict[str, object]:
    """Overrides for the app under test; a test may change them before using `app`."""
    url = pg_database or f"sqlite:///{tmp_path / 'test.sqlite'}"
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    }


@pytest.fixture
def app(app_config: dict[str, object]) -> Iterator[Flask]:
    class Config(TestConfig):
        pass

    for key, value in app_config.items():
        setattr(Config, key, value)
    application = create_app(Config)

    def _fresh_request_globals() -> None:
        # Requests reuse the test's app context and so its `g`; empty it, as a real
        # request's new app context would (cached user, locale, CSRF token). It runs
        # first, before the extensions' own hooks fill `g` for this request.
        for key in list(g):
            g.pop(key)

    application.before_request_funcs.setdefault(None, []).insert(0, _fresh_request_globals)

    url = str(app_config["SQLALCHEMY_DATABASE_URI"])
    with application.app_context():
        if url not in _pg_schema_ready:
            db.create_all()
            if url.startswith("postgresql"):
                _pg_schema_ready.add(url)
        yield application
        db.session.remove()
        if url.startswith("postgresql"):
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


class Auth:
    """Signs a test client in and out through the real login form."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, person_or_email: object, password: str = PASSWORD):
        email = getattr(person_or_email, "email", person_or_email)
        return self.client.post("/auth/login", data={"email": email, "password": password})

    def logout(self):
        return self.client.post("/auth/logout")


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)
