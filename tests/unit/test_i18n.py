"""Every UI string has English; ?lang=en and the footer switch give English pages."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("i18n_missing", ROOT / "scripts/i18n_missing.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["i18n_missing"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def i18n() -> ModuleType:
    return _load_script()


def test_extraction_finds_python_and_template_strings(i18n):
    ids = i18n.extract()
    # A lazy form label, a service message, an enum label and template text.
    for expected in ("记住我（30 天）", "邀请链接无效。", "团支部", "登录团友录", "条未读"):
        assert expected in ids, expected
    assert any(path.startswith("templates/") for m in ids.values() for path, _ in m.locations)


def test_every_message_id_has_english(i18n):
    missing = i18n.missing()
    report = "\n".join(
        f"[{','.join(sorted(m.areas))}] {m.id}  ({m.locations[0][0]}:{m.locations[0][1]})"
        for m in missing
    )
    assert not missing, (
        f"{len(missing)} message ids have no English msgstr "
        f"(run scripts/i18n_missing.py --area AREA):\n{report}"
    )


def test_one_english_per_message_id(i18n):
    """Flask-Babel merges every area's catalogue into one: an id translated differently by
    two areas shows only one of them everywhere. Two meanings of one Chinese text get a
    context (`pgettext`), one meaning gets one English."""
    found = i18n.conflicts()
    report = "\n".join(
        f"{key!r}: " + "; ".join(f"{area}={text!r}" for area, text in sorted(by_area.items()))
        for key, by_area in found.items()
    )
    assert not found, f"{len(found)} message ids have two English translations:\n{report}"


def _po(path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('msgid ""\nmsgstr ""\n"Language: en\\n"\n\n' + body, encoding="utf-8")


def test_conflicts_are_per_context(i18n, tmp_path):
    po = "en/LC_MESSAGES/messages.po"
    _po(tmp_path / "a" / po, 'msgid "管理员"\nmsgstr "Admins"\n\nmsgid "查看"\nmsgstr "View"\n')
    _po(
        tmp_path / "b" / po,
        'msgctxt "group role"\nmsgid "管理员"\nmsgstr "Moderator"\n\nmsgid "查看"\nmsgstr "Show"\n',
    )
    assert i18n.conflicts(tmp_path) == {"查看": {"a": "View", "b": "Show"}}
    assert "group role\x04管理员" in i18n.translated(tmp_path)


def test_contexts_are_extracted_and_appended(i18n, tmp_path, monkeypatch):
    (tmp_path / "directory/translations/core/en/LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "directory/things").mkdir(parents=True)
    (tmp_path / "templates/things").mkdir(parents=True)
    (tmp_path / "directory/things/views.py").write_text(
        "from flask_babel import lazy_pgettext, pgettext\n"
        'pgettext("nav", "地区")\nlazy_pgettext("group role", "管理员")\n'
    )
    (tmp_path / "templates/things/x.html").write_text("<p>{{ pgettext('panel', '筛选') }}</p>\n")
    monkeypatch.setattr(i18n, "ROOT", tmp_path)
    ids = i18n.extract(tmp_path)
    assert {"nav\x04地区", "group role\x04管理员", "panel\x04筛选"} <= set(ids)
    i18n.main(["--area", "things", "--append"])
    text = (tmp_path / "directory/translations/things/en/LC_MESSAGES/messages.po").read_text(
        encoding="utf-8"
    )
    assert 'msgctxt "nav"\nmsgid "地区"\nmsgstr ""' in text
    assert 'msgctxt "panel"\nmsgid "筛选"' in text


def test_area_of(i18n):
    assert i18n.area_of("templates/base.html") == "core"
    assert i18n.area_of("templates/auth/login.html") == "core"
    assert i18n.area_of("directory/accounts/services.py") == "core"
    assert i18n.area_of("templates/groups/show.html") == "groups"
    assert i18n.area_of("directory/transfers/views.py") == "transfers"
    assert i18n.area_of("directory/transfers/batches.py") == "transfers"
    assert i18n.area_of("directory/search/queries.py") == "search"


def test_script_appends_empty_entries(i18n, tmp_path, monkeypatch):
    (tmp_path / "directory/translations/core/en/LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "directory/things").mkdir(parents=True)
    (tmp_path / "templates/things").mkdir(parents=True)
    (tmp_path / "directory/things/views.py").write_text(
        'from flask_babel import gettext as _, ngettext\n_("新东西")\nngettext("一件", "%(num)d 件", 2)\n'
    )
    (tmp_path / "templates/things/x.html").write_text("<p>{{ _('模板里的字') }}</p>\n")
    monkeypatch.setattr(i18n, "ROOT", tmp_path)
    assert i18n.main(["--area", "things", "--append"]) == 1
    po = tmp_path / "directory/translations/things/en/LC_MESSAGES/messages.po"
    text = po.read_text(encoding="utf-8")
    assert '"Language: en\\n"' in text
    assert 'msgid "新东西"\nmsgstr ""' in text
    assert 'msgid_plural "%(num)d 件"' in text
    assert 'msgid "模板里的字"' in text
    # Appending again adds nothing twice; filling one entry removes it from the list.
    i18n.main(["--area", "things", "--append"])
    assert po.read_text(encoding="utf-8").count('msgid "新东西"') == 1
    po.write_text(text.replace('msgid "新东西"\nmsgstr ""', 'msgid "新东西"\nmsgstr "New thing"'))
    assert "新东西" not in {m.id for m in i18n.missing()}


def test_script_runs_from_the_command_line():
    r = subprocess.run(
        [sys.executable, str(ROOT / "scripts/i18n_missing.py"), "--area", "core"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "every message id has an English translation" in r.stdout


# --- Language selection -----------------------------------------------------------------


@pytest.fixture
def app(app):
    from flask_babel import refresh

    # Test requests share the test's `g`, where Flask-Babel caches the locale; a real
    # request starts with an empty one.
    app.before_request(refresh)
    return app


def test_default_is_chinese(client, world):
    page = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="zh-CN"' in page  # the lang attribute (other attributes may follow)
    assert "登录团友录" in page and "Sign in to League Friends" not in page


def test_lang_query_gives_english(client, world):
    page = client.get("/auth/login?lang=en").get_data(as_text=True)
    assert '<html lang="en"' in page
    assert "Sign in to League Friends" in page
    assert "Remember me (30 days)" in page
    assert "登录团友录" not in page


def test_footer_switch_remembers_english(client, auth, admin):
    page = client.get("/auth/login").get_data(as_text=True)
    assert "/language/en?next=" in page
    r = client.get("/language/en?next=/auth/login")
    assert r.status_code == 302 and r.headers["Location"] == "/auth/login"
    assert "Sign in to League Friends" in client.get("/auth/login").get_data(as_text=True)
    auth.login(admin)
    admin_page = client.get("/admin/").get_data(as_text=True)
    assert "Accounts" in admin_page and "账号管理" not in admin_page
    client.get("/language/zh")
    assert "账号管理" in client.get("/admin/").get_data(as_text=True)


def test_error_messages_in_english(client, auth, cadre):
    auth.login(cadre)
    r = client.get("/admin/?lang=en")
    assert r.status_code == 403
    assert "You are not allowed to do this." in r.get_data(as_text=True)
    r = client.post("/auth/password?lang=en", data={"current_password": "x"})
    assert "Please enter a new password." in r.get_data(as_text=True)


def test_english_labels_take_english_punctuation(client, auth, world, cadre, org_admin):
    """A label before its value ("Phone: …") and a note in brackets use the punctuation
    of the page's language: no "：", "（", "）" or "、" on these English pages."""
    auth.login(org_admin)
    county = world.county_org.id
    pages = [
        f"/orgs/{world.branch.id}",  # the cadres' contacts
        f"/transfers/orgs/{county}",  # the counts
        f"/stats/orgs/{county}",  # the data-quality counts
        f"/orgs/{county}/new",  # the parent organisation and its level
    ]
    for url in pages:
        r = client.get(f"{url}?lang=en")
        html = r.get_data(as_text=True)
        assert r.status_code == 200, url
        for mark in "：（）、":
            at = html.find(mark)
            assert at < 0, f"{url}: {mark!r} in …{html[max(0, at - 80) : at + 20]}…"
    english = client.get(f"/orgs/{world.branch.id}?lang=en").get_data(as_text=True)
    assert 'Phone: <a href="tel:' in english
    chinese = client.get(f"/orgs/{world.branch.id}?lang=zh").get_data(as_text=True)
    assert '电话：<a href="tel:' in chinese
    assert "Parent organisation: " in client.get(f"/orgs/{county}/new?lang=en").get_data(
        as_text=True
    )
