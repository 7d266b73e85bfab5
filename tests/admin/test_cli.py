"""`flask create-admin` and `flask invite`."""

from __future__ import annotations

from sqlalchemy import select

from directory.accounts import services as accounts
from directory.core.passwords import verify_password
from directory.extensions import db
from directory.people.models import Person


def _by_email(email: str) -> Person | None:
    db.session.expire_all()
    return db.session.scalar(select(Person).where(Person.email == email))


def test_create_admin(runner, world):
    r = runner.invoke(
        args=[
            "create-admin",
            "--email",
            "Root@Example.org",
            "--name",
            "管理员",
            "--password",
            "long-enough-1",
        ]
    )
    assert r.exit_code == 0, r.output
    assert "created system admin root@example.org" in r.output
    person = _by_email("root@example.org")
    assert person.is_admin and person.is_active_account
    assert verify_password(person.password_hash, "long-enough-1")


def test_create_admin_prompts_for_password(runner, world):
    r = runner.invoke(
        args=["create-admin", "--email", "p@example.org", "--name", "甲"],
        input="long-enough-1\nlong-enough-1\n",
    )
    assert r.exit_code == 0, r.output
    assert _by_email("p@example.org").is_admin


def test_create_admin_bad_input_writes_nothing(runner, admin):
    cases = [
        (
            ["--email", admin.email, "--name", "乙", "--password", "long-enough-1"],
            "该电子邮箱已被使用",
        ),
        (["--email", "bad", "--name", "乙", "--password", "long-enough-1"], "电子邮箱格式不正确"),
        (
            ["--email", "x@example.org", "--name", "乙", "--password", "short"],
            "密码至少需要 8 个字符",
        ),
        (
            ["--email", "x@example.org", "--name", "长" * 41, "--password", "long-enough-1"],
            "姓名太长",
        ),
    ]
    for args, message in cases:
        r = runner.invoke(args=["create-admin", *args])
        assert r.exit_code == 1, args
        assert message in r.output, (args, r.output)
    assert _by_email("x@example.org") is None


def test_invite_prints_a_working_link(runner, client, world):
    person = accounts.create_account(actor=None, name="丙", email="bing@example.org")
    r = runner.invoke(args=["invite", "BING@example.org", "--base-url", "https://tyl.example.cn/"])
    assert r.exit_code == 0, r.output
    link = r.output.strip()
    assert link.startswith("https://tyl.example.cn/auth/invite/")
    path = link.removeprefix("https://tyl.example.cn")
    r = client.post(path, data={"new_password": "fresh-pass-7", "confirm": "fresh-pass-7"})
    assert r.status_code == 303
    assert verify_password(_by_email("bing@example.org").password_hash, "fresh-pass-7")
    assert person.id


def test_invite_default_base_url_and_unknown_email(runner, world):
    accounts.create_account(actor=None, name="丁", email="ding@example.org")
    r = runner.invoke(args=["invite", "ding@example.org"])
    assert r.exit_code == 0, r.output
    assert "/auth/invite/" in r.output
    r = runner.invoke(args=["invite", "nobody@example.org"])
    assert r.exit_code == 1
    assert "no account with e-mail nobody@example.org" in r.output


def test_invite_refuses_deactivated_account(runner, cadre):
    cadre.is_active_account = False
    db.session.commit()
    r = runner.invoke(args=["invite", cadre.email])
    assert r.exit_code == 1
    assert "deactivated" in r.output
