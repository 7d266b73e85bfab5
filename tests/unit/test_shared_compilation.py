"""The suite compiles each URL rule once per session (tests/conftest.py): every app must
still get exactly the rules werkzeug itself would compile."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.routing.rules import Rule

from directory import create_app
from directory.config import TestConfig
from directory.extensions import db


@pytest.fixture
def other(app: Flask) -> Iterator[Flask]:
    """A second app like `app`: its rules come from the session's shared compilations."""

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        SEARCH_INDEX_DIR = app.config["SEARCH_INDEX_DIR"]
        UPLOAD_DIR = app.config["UPLOAD_DIR"]

    second = create_app(Config)  # connects (the search start-up drain): closed below
    yield second
    with second.app_context():
        db.engine.dispose()


def _state(rule: Rule) -> tuple[Any, ...]:
    converters = {
        name: (type(c), c.regex, {k: v for k, v in vars(c).items() if k != "map"})
        for name, c in rule._converters.items()
    }
    values = dict.fromkeys(rule.arguments, "7")
    return (
        list(rule._parts),
        list(rule._trace),
        converters,
        set(rule.arguments),
        rule.build(values, append_unknown=False),
        rule.build({**values, "page": "2"}),
        all(c.map is rule.map for c in rule._converters.values()),
    )


def test_every_rule_is_compiled_as_werkzeug_would(other: Flask) -> None:
    werkzeug_compile = Rule.compile.werkzeug_compile  # type: ignore[attr-defined]
    rules = list(other.url_map.iter_rules())
    assert len(rules) > 100
    for rule in rules:
        shared = _state(rule)
        werkzeug_compile(rule)
        assert shared == _state(rule), rule.rule


def test_a_second_app_routes_and_builds_the_same(app: Flask, other: Flask) -> None:
    for ours, theirs in zip(app.url_map.iter_rules(), other.url_map.iter_rules(), strict=True):
        assert ours.rule == theirs.rule and ours.endpoint == theirs.endpoint
        assert ours._parts == theirs._parts and ours._build.__func__ is theirs._build.__func__
        assert all(c.map is other.url_map for c in theirs._converters.values())
    adapter = other.url_map.bind("localhost")
    assert adapter.match("/people/12") == ("people.show", {"person_id": 12})
    assert adapter.build("people.show", {"person_id": 12, "page": 2}) == "/people/12?page=2"
