"""Shared fixtures: the app on SQLite or PostgreSQL, clients, a query counter.

The database is chosen by DIRECTORY_TEST_DATABASE_URL: unset means SQLite (a file
per test); a PostgreSQL URL means one throw-away database per test session,
emptied after every test.

Where the time went (measured, see docs/DEVELOPING.md "Tests"): not in `create_app`
(~50 ms) but in the disk. On SQLite every DDL statement and every commit is an fsync,
so `create_all` alone cost ~0.6 s a test; on PostgreSQL the `TRUNCATE ... CASCADE`
after each test cost ~0.4 s. So:

- the session's temporary directory (`tmp_path`, hence every SQLite file and search
  index) lives in RAM (/dev/shm) when it can; `--basetemp` still wins;
- SQLite: the schema is built once per session into a template file, and each test
  gets its own copy of it (a real file, real commits, other threads and processes see
  it: browser tests, the two-process search test and the concurrency tests still work);
- PostgreSQL: one database per session, `synchronous_commit=off` for its connections
  (no wait for the WAL flush; nothing else changes), and after each test its rows are
  deleted and its sequences restarted, instead of a TRUNCATE;
- search indexing waits until the index is read (`DRAIN_ON_READ`), unless a test sets
  `SEARCH_AUTO_DRAIN` itself.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import uuid
import weakref
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient, FlaskCliRunner
from jinja2 import BytecodeCache
from jinja2.bccache import Bucket
from sqlalchemy import event
from sqlalchemy.util import LRUCache

from directory import create_app
from directory.config import TestConfig
from directory.extensions import db
from directory.jobs.runner import jobs_of

pytest_plugins = ["tests.factories", "tests.private_servers"]

PG_URL = os.environ.get("DIRECTORY_TEST_DATABASE_URL", "")
PASSWORD = "correct-horse-9"


RAM_DIR = Path("/dev/shm")
_ram_basetemp: str | None = None


def pytest_report_header() -> str:
    where = f", tmp in {_ram_basetemp}" if _ram_basetemp else ""
    return f"database: {'PostgreSQL' if PG_URL else 'SQLite'}{where}"


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Put the session's tmp directory in RAM: SQLite's fsyncs become free."""
    global _ram_basetemp
    if config.option.basetemp or not (RAM_DIR.is_dir() and os.access(RAM_DIR, os.W_OK)):
        return
    _ram_basetemp = tempfile.mkdtemp(prefix="directory-tests-", dir=RAM_DIR)
    config.option.basetemp = _ram_basetemp


# Browser tests are about what people see and do, not about storage (every rule they meet is
# also tested without a browser on both databases), and Chromium is ~40 % of bin/test's CPU
# (docs/DEVELOPING.md "Tests"). So bin/test's two runs share them out: each case of a
# parametrized test (phone/desktop, zh/en, htmx/no-js) runs on one database, pairwise (for
# the four journey cases SQLite takes phone-zh and desktop-en, PostgreSQL desktop-zh and
# phone-en), and the unparametrized ones alternate in collection order (43 and 42 of the 85
# cases). DIRECTORY_BROWSER_EVERY_CASE=1 runs every case here.
EVERY_BROWSER_CASE = os.environ.get("DIRECTORY_BROWSER_EVERY_CASE", "") == "1"


@pytest.hookimpl(trylast=True)  # after tests/browser/conftest.py has marked its tests
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the browser cases the other database's run takes (see above)."""
    if EVERY_BROWSER_CASE:
        return
    share = 1 if PG_URL else 0
    seen: dict[tuple[str, str], int] = {}
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        if not item.get_closest_marker("browser"):
            kept.append(item)
            continue
        if hasattr(item, "callspec"):  # the n-th case of this test
            key = (str(item.path), getattr(item, "originalname", item.name))
        else:  # the n-th unparametrized browser test
            key = ("", "")
        index = seen[key] = seen.get(key, -1) + 1
        # 0 1 2 3 -> SQLite, PostgreSQL, PostgreSQL, SQLite: each side gets both of each pair.
        (kept if (index + index // 2) % 2 == share else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_unconfigure(config: pytest.Config) -> None:
    # RAM is not a place to keep old runs (pytest keeps 3 under /tmp otherwise).
    if _ram_basetemp:
        shutil.rmtree(_ram_basetemp, ignore_errors=True)


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
    # The session's connections do not wait for the WAL flush at commit: a crash could
    # lose the last commits of a throw-away database; locking and visibility are unchanged.
    url = (
        sa.engine.make_url(PG_URL)
        .set(database=name)
        .update_query_dict({"options": "-c synchronous_commit=off"})
        .render_as_string(hide_password=False)
    )
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class _SessionBytecodeCache(BytecodeCache):
    """Compiled templates shared by every app of the session (keyed by name and source
    checksum, so an edited template is compiled again): each test builds its own app
    and so its own Jinja environment, which would otherwise compile every template anew."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


def _share_compiled_rules() -> None:
    """Compile each URL rule once per session instead of once per app.

    Every test builds its own app, and werkzeug compiles each of its ~170 rules as it is
    added: it parses the rule's text into the regular-expression parts of its matcher
    (creating the rule's converters) and compiles two Python functions (`ast` + `compile`)
    that build its URLs. Sharing the functions alone took `create_app` from ~110 ms to
    ~25 ms of CPU; the parsing was still ~15 ms of the rest. What `Rule.compile` produces
    depends only on the rule's text, its subdomain or host, its defaults, slash merging and
    the map's converter classes, so the first app's result is reused: a later rule gets the
    same parts, trace and URL-building functions (bound to itself) and converter instances
    of its own, made by its own map with the arguments werkzeug parsed. Routing and
    `url_for` run the same code.
    """
    from werkzeug.routing.rules import Rule

    original = Rule.compile
    if hasattr(original, "werkzeug_compile"):
        return
    compiled: dict[tuple[object, ...], tuple[Any, ...]] = {}

    def compile_rule(self: Rule) -> None:
        assert self.map is not None, "rule not bound"
        key = (
            self.rule,
            self.subdomain,
            self.host,
            self.map.host_matching,
            self.merge_slashes,
            tuple(sorted((k, repr(v)) for k, v in (self.defaults or {}).items())),
            tuple(sorted(self.map.converters.items())),
        )
        found = compiled.get(key)
        if found is None:  # compile it as werkzeug does, noting the converters it makes
            made: list[tuple[str, str, Any, Any]] = []
            make = self.get_converter

            def noting(variable: str, name: str, args: Any, kwargs: Any) -> Any:
                made.append((variable, name, args, kwargs))
                return make(variable, name, args, kwargs)

            self.get_converter = noting  # type: ignore[method-assign]
            try:
                original(self)
            finally:
                del self.get_converter
            compiled[key] = (
                tuple(self._parts),
                tuple(self._trace),
                tuple(made),
                self._build.__func__,  # type: ignore[attr-defined]
                self._build_unknown.__func__,  # type: ignore[attr-defined]
            )
            return
        parts, trace, made, build, build_unknown = found
        self._parts = list(parts)
        self._trace = list(trace)
        self._converters = {}
        for variable, name, args, kwargs in made:
            self._converters[variable] = self.get_converter(variable, name, args, kwargs)
            self.arguments.add(variable)
        self._build = build.__get__(self, None)
        self._build_unknown = build_unknown.__get__(self, None)

    compile_rule.werkzeug_compile = original  # type: ignore[attr-defined]  # for its test
    Rule.compile = compile_rule  # type: ignore[method-assign]


class _SharedCompiledCache(MutableMapping[Any, Any]):
    """SQL compiled once per session instead of once per test's engine.

    SQLAlchemy caches each statement's compiled form in its engine (and, for the ORM's
    INSERT/UPDATE/DELETE, in its mapper), keyed by the dialect *instance* among others.
    Every test builds its own app and so its own engine and dialect, so each test compiled
    every statement it ran anew (~15-20 % of a view test's CPU). This cache swaps the
    dialect instance in the key for a fingerprint of its class and settings (server
    version, paramstyle, ...), so engines configured alike share compiled statements.
    The statements, their parameters and their results are exactly those SQLAlchemy
    would have compiled.
    """

    def __init__(self, store: MutableMapping[Any, Any]) -> None:
        self.store = store

    @staticmethod
    def _fingerprint(dialect: Any) -> tuple[object, ...]:
        found = _dialect_fingerprints.get(dialect)
        if found is None:
            simple = (str, int, float, bool, tuple, type(None))
            found = (
                type(dialect),
                *sorted(
                    (k, v)
                    for k, v in vars(dialect).items()
                    if isinstance(v, simple) and not k.startswith("_memoized")
                ),
                ("json", dialect._json_serializer, dialect._json_deserializer)
                if hasattr(dialect, "_json_serializer")
                else (),
            )
            _dialect_fingerprints[dialect] = found
        return found

    def _key(self, key: Any) -> Any:
        if isinstance(key, tuple) and key and isinstance(key[0], sa.engine.Dialect):
            return (self._fingerprint(key[0]), *key[1:])
        return key

    def get(self, key: Any, default: Any = None) -> Any:
        return self.store.get(self._key(key), default)

    def __getitem__(self, key: Any) -> Any:
        return self.store[self._key(key)]

    def __setitem__(self, key: Any, value: Any) -> None:
        self.store[self._key(key)] = value

    def __delitem__(self, key: Any) -> None:
        del self.store[self._key(key)]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.store)

    def __len__(self) -> int:
        return len(self.store)


_dialect_fingerprints: weakref.WeakKeyDictionary[Any, tuple[object, ...]] = (
    weakref.WeakKeyDictionary()
)
_compiled_statements = _SharedCompiledCache(LRUCache(20_000))


def _share_compiled_sql(engine: sa.Engine) -> None:
    """Give this engine, and every mapper, the session's compiled-statement cache."""
    if engine._compiled_cache is not None:
        engine._compiled_cache = _compiled_statements
    for mapper in db.Model.registry.mappers:
        if mapper.__dict__.get("_compiled_cache") is not _compiled_statements:
            mapper.__dict__["_compiled_cache"] = _compiled_statements


_share_compiled_rules()
_templates_cache = _SessionBytecodeCache()
_pg_schema_ready: set[str] = set()
TEST_DB_NAME = "test.sqlite"


class _DrainOnRead:
    """`SEARCH_AUTO_DRAIN` while a test has not set it: commits leave their documents in
    the outbox (the value is falsy) and the index catches up just before it is read.

    Most tests commit several times (the world, each persona, each request) and never
    search; draining after every commit (a Whoosh segment written each time) was about a
    fifth of their CPU. A test or fixture that sets `SEARCH_AUTO_DRAIN` itself (the
    outbox's own tests) gets exactly the behaviour it asks for.
    """

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "DRAIN_ON_READ"


DRAIN_ON_READ = _DrainOnRead()


def _writing_sqlite_transaction() -> bool:
    """True when this thread's session holds SQLite's write lock (a drain, on its own
    connection, would wait for it)."""
    if db.engine.dialect.name != "sqlite":
        return False
    session = db.session()
    if not session.in_transaction():
        return False
    driver = session.connection().connection.driver_connection
    return bool(driver.in_transaction)  # type: ignore[union-attr]


def _drain_before_reads(application: Flask) -> None:
    """Wrap the app's search backend so that its reads first drain the outbox."""
    from directory.search import sync

    backend = application.extensions["search_backend"]
    for name in ("search", "digests"):
        read = getattr(backend, name)

        def drained_read(*args: Any, _read: Any = read, **kwargs: Any) -> Any:
            if (
                application.config.get("SEARCH_AUTO_DRAIN") is DRAIN_ON_READ
                and not _writing_sqlite_transaction()
                and sync.pending()
            ):
                sync.drain()
            return _read(*args, **kwargs)

        setattr(backend, name, drained_read)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the whole schema, built once; each test copies it."""
    path = tmp_path_factory.mktemp("template") / TEST_DB_NAME

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{path}"
        SEARCH_INDEX_DIR = str(path.parent / "index")
        UPLOAD_DIR = str(path.parent / "uploads")

    application = create_app(Config)
    with application.app_context():
        db.create_all()
        db.session.remove()
        db.engine.dispose()
    return path


@pytest.fixture
def app_config(tmp_path: Path, pg_database: str | None) -> dict[str, object]:
    """Overrides for the app under test; a test may change them before using `app`."""
    url = pg_database or f"sqlite:///{tmp_path / TEST_DB_NAME}"
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "UPLOAD_DIR": str(tmp_path / "uploads"),
    }


def _sqlite_file(url: str) -> Path | None:
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def _empty_pg(connection: sa.Connection) -> None:
    """Delete every row and restart every sequence (much cheaper than TRUNCATE here)."""
    tables = db.metadata.sorted_tables
    try:
        with connection.begin():
            # No triggers (transfer_event is append-only) and no FK checks while emptying.
            connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
            for table in reversed(tables):
                connection.execute(table.delete())
            connection.execute(
                sa.text(
                    "SELECT setval(c.oid, 1, false) FROM pg_class c "
                    "WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace"
                )
            )
    except sa.exc.ProgrammingError:  # not a superuser: the slower, always allowed way
        names = ", ".join(f'"{t.name}"' for t in tables)
        with connection.begin():
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def app(app_config: dict[str, object], request: pytest.FixtureRequest) -> Iterator[Flask]:
    class Config(TestConfig):
        pass

    for key, value in app_config.items():
        setattr(Config, key, value)
    url = str(app_config["SQLALCHEMY_DATABASE_URI"])
    sqlite_file = _sqlite_file(url)
    schema_ready = url in _pg_schema_ready
    # Copy the template before `create_app`: building the app already connects (the
    # search start-up drain), which creates an empty file in place of the copy.
    if sqlite_file is not None and not sqlite_file.exists():
        template: Path = request.getfixturevalue("sqlite_template")
        sqlite_file.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, sqlite_file)
        schema_ready = True
    application = create_app(Config)
    application.jinja_env.bytecode_cache = _templates_cache
    if "SEARCH_AUTO_DRAIN" not in app_config:
        application.config["SEARCH_AUTO_DRAIN"] = DRAIN_ON_READ
        _drain_before_reads(application)

    def _fresh_request_globals() -> None:
        # Requests reuse the test's app context and so its `g`; empty it, as a real
        # request's new app context would (cached user, locale, CSRF token). It runs
        # first, before the extensions' own hooks fill `g` for this request.
        for key in list(g):
            g.pop(key)

    application.before_request_funcs.setdefault(None, []).insert(0, _fresh_request_globals)

    with application.app_context():
        _share_compiled_sql(db.engine)
        if not schema_ready:
            db.create_all()
            if url.startswith("postgresql"):
                _pg_schema_ready.add(url)
        yield application
        # A consumer thread of the embedded queue (started by the first request of a test
        # that serves it) must not outlive its test: it would poll a database now gone.
        jobs_of(application).stop_consumer()
        db.session.remove()
        if url.startswith("postgresql"):
            with db.engine.connect() as conn:
                _empty_pg(conn)
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


_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def without_csrf(page: str) -> str:
    """`page` with its CSRF token blanked wherever it appears (the form field and htmx's
    headers): the token carries the second it was signed in, so two pages that must be
    identical differ there when they are a second apart."""
    token = _CSRF_FIELD.search(page)
    return page.replace(token.group(1), "CSRF") if token else page


class QueryCounter:
    """Counts the SQL statements sent to the app's engine while `watch()` is active."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)

    def _on_execute(self, conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        self.statements.append(statement)

    @contextmanager
    def watch(self) -> Iterator[QueryCounter]:
        """Start from zero, count inside the block: `with queries.watch() as q: ...`."""
        self.statements.clear()
        event.listen(db.engine, "before_cursor_execute", self._on_execute)
        try:
            yield self
        finally:
            event.remove(db.engine, "before_cursor_execute", self._on_execute)


@pytest.fixture
def queries(app: Flask) -> QueryCounter:
    """The one query counter (no N+1 tests): `with queries.watch(): client.get(url)`."""
    return QueryCounter()
