"""`flask seed-demo` on the command line: refusals with clear messages, nothing half-written."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from directory.extensions import db
from directory.orgs.models import Organisation
from directory.people.models import Person


def _people() -> int:
    return db.session.scalar(select(func.count()).select_from(Person))


def test_seed_then_refuse_second_run(runner, small_regions):
    result = runner.invoke(args=["seed-demo", "--cadres", "120", "--seed", "5"])
    assert result.exit_code == 0, result.output
    assert "123 people" in result.output
    assert "demo-password-2026" in result.output
    assert _people() == 123
    again = runner.invoke(args=["seed-demo", "--cadres", "50"])
    assert again.exit_code == 1
    assert "--force" in again.output and "已有团组织或人员" in again.output
    assert _people() == 123
    forced = runner.invoke(args=["seed-demo", "--cadres", "50", "--force"])
    assert forced.exit_code == 0, forced.output
    assert _people() == 53


def test_refuses_when_an_organisation_exists(runner, world):
    result = runner.invoke(args=["seed-demo", "--cadres", "20"])
    assert result.exit_code == 1
    assert "--force" in result.output
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 6


def test_needs_regions(runner, app):
    result = runner.invoke(args=["seed-demo", "--cadres", "20"])
    assert result.exit_code == 1
    assert "flask regions load" in result.output
    assert _people() == 0


def test_bad_arguments(runner, small_regions):
    for args, message in (
        (["--cadres", "0"], "演示人数必须在"),
        (["--cadres", "9999999"], "演示人数必须在"),
        (["--province", "5x"], "两位数字"),
        (["--province", "99"], "flask regions load"),
    ):
        result = runner.invoke(args=["seed-demo", *args])
        assert result.exit_code == 1, args
        assert message in result.output, args
    assert _people() == 0
    not_a_number = runner.invoke(args=["seed-demo", "--cadres", "many"])
    assert not_a_number.exit_code == 2
    assert "many" in not_a_number.output


def test_other_province_municipality(runner, small_regions):
    result = runner.invoke(args=["seed-demo", "--cadres", "30", "--province", "50"])
    assert result.exit_code == 0, result.output
    orgs = {o.name: o for o in db.session.scalars(select(Organisation))}
    assert "共青团重庆市委" in orgs
    assert "共青团市辖区委" not in orgs
    assert orgs["共青团万州区委"].parent_id == orgs["共青团重庆市委"].id
    assert not any("四川" in n for n in orgs)


def test_messages_have_english_translations(app, small_regions):
    from flask_babel import force_locale

    from directory.core.errors import DomainError
    from directory.demo.seed import seed_demo

    seed_demo(cadres=10)
    with app.test_request_context("/?lang=en"), force_locale("en"):
        for kwargs, english in (
            ({"cadres": 0}, "must be between 1 and"),
            ({"province": "x"}, "two digits"),
            ({"province": "99"}, "run flask regions load first"),
            ({}, "--force deletes them first"),
        ):
            with pytest.raises(DomainError, match=re.escape(english)):
                seed_demo(**kwargs)
