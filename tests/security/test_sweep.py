"""The hostile-input sweep, generated from the URL map and every form.

Every URL rule gets hostile values in each of its path arguments, in every query
argument the code reads, and (for views that read a form) in every form field:
oversized integers, Unicode digits, negative numbers, invalid UTF-8, control
characters, over-long values and wrong types. No answer may be a 5xx (or an
exception), and nothing may be written: the row count of every table is the same
after each rule as before the sweep.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from urllib.parse import quote

from flask_sqlalchemy.session import Session
from sqlalchemy import func, select

from directory.extensions import db
from directory.web.forms import BaseForm
from tests.security.scenario import build, login

ROOT = Path(__file__).resolve().parents[2]
INVALID_UTF8 = "%FF%FE%C3%28"  # already percent-encoded: bytes that are not UTF-8
CONTROL = "a\r\nb\x00c\x1b"
OVERLONG = "x" * 25_000  # beyond every length limit (posts: 20 000)
# Refused by every field, so nothing may be written with them (real commits).
REFUSED = [INVALID_UTF8, quote(CONTROL, safe=""), OVERLONG]
# Wrong as numbers but fine as text: no 5xx allowed; sent with commits turned into
# flushes (a text field may accept "-1"), so they write nothing either.
ODD = [
    quote(v, safe="")
    for v in (
        "99999999999999999999",  # beyond 64 bits
        "2147483648",  # just beyond a 32-bit id column
        "-1",
        "0",
        "²",  # str.isdigit() says yes, int() says no
        "١٢",  # Arabic-Indic digits: int() says 12
        "１２",  # full-width digits
        "1.5",
        "[]",
    )
]
IDS = [ODD[0], ODD[1], ODD[2], ODD[3], ODD[4], ODD[6], INVALID_UTF8]
QUERY = [ODD[0], ODD[2], ODD[4], INVALID_UTF8, REFUSED[1], "y" * 2000]
SENTINEL_ID = 7777777
SENTINEL_TEXT = "SENTINELZZ"
SKIP = {"static", "auth.logout"}  # logging out is what logout is for


def query_names() -> list[str]:
    """Every query argument the code reads (`args.get("x")`, `optional_id("x")`, ...)."""
    names: set[str] = {"page", "q"}
    pattern = re.compile(r"""(?:args\.get(?:list)?|optional_id|page_arg)\(\s*["']([a-z_]+)["']""")
    for path in (ROOT / "directory").rglob("*.py"):
        names.update(pattern.findall(path.read_text()))
    from directory.search.service import ENUM_FILTERS

    names.update(ENUM_FILTERS)
    return sorted(names)


def _form_classes() -> set[type]:
    seen: set[type] = set()
    todo = [BaseForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
    return seen


def form_fields(view) -> list[str]:  # type: ignore[no-untyped-def]
    """Names of the fields the view reads: its forms' fields and `request.form.get` keys."""
    view = inspect.unwrap(view)
    names: set[str] = set()
    forms = {c.__name__: c for c in _form_classes()}
    for name in view.__code__.co_names:
        cls = view.__globals__.get(name)
        if isinstance(cls, type) and cls.__name__ in forms and issubclass(cls, BaseForm):
            names.update(n for n, _ in cls.__dict__.items() if hasattr(_, "field_class"))
            for base in cls.__mro__[1:]:
                names.update(n for n, f in vars(base).items() if hasattr(f, "field_class"))
    source = inspect.getsource(view)
    names.update(re.findall(r"""form\.get\(\s*["']([a-z_]+)["']""", source))
    names.discard("csrf_token")
    return sorted(names)


def _url(rule, values: dict[str, object], hostile_arg: str | None, raw: str) -> str:  # type: ignore[no-untyped-def]
    args = {k: values[k] for k in rule._converters}
    if hostile_arg is not None:
        is_id = type(rule._converters[hostile_arg]).__name__ == "IdConverter"
        args[hostile_arg] = SENTINEL_ID if is_id else SENTINEL_TEXT
    url = rule.build(args, append_unknown=False)[1]
    if hostile_arg is not None:
        marker = str(SENTINEL_ID) if args[hostile_arg] == SENTINEL_ID else SENTINEL_TEXT
        url = url.replace(marker, raw, 1)
    return url


def _counts() -> dict[str, int]:
    return {
        t.name: db.session.scalar(select(func.count()).select_from(t))
        for t in db.metadata.sorted_tables
    }


def test_hostile_input_sweep(app, world, monkeypatch):
    scenario = build(app, world)
    cookies = {}
    for persona in ("sysadmin", "owner"):
        client = app.test_client()
        login(client, scenario.people[persona])
        cookies[persona] = [(c.key, c.value) for c in client._cookies.values()]
    db.session.rollback()
    before = _counts()
    names = query_names()
    failures: list[str] = []
    sent = 0
    real_commit = Session.commit
    commits = {"real": True}

    def commit(self):  # type: ignore[no-untyped-def]
        return real_commit(self) if commits["real"] else self.flush()

    monkeypatch.setattr(Session, "commit", commit)

    def send(
        persona: str, method: str, url: str, body: bytes | None = None, real: bool = True
    ) -> None:
        nonlocal sent
        commits["real"] = real
        client = app.test_client()
        for key, value in cookies[persona]:
            client.set_cookie(key, value)
        sent += 1
        try:
            r = client.open(
                url,
                method=method,
                data=body,
                content_type="application/x-www-form-urlencoded" if body is not None else None,
            )
            status = r.status_code
        except Exception as exc:  # an exception is a 500 in production
            status = f"{type(exc).__name__}: {exc}"[:200]
        finally:
            db.session.rollback()
        if not isinstance(status, int) or status >= 500:
            failures.append(f"{method} {url[:120]} as {persona}: {status}")

    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
    for rule in rules:
        if rule.endpoint in SKIP:
            continue
        methods = [m for m in ("GET", "POST") if m in (rule.methods or ())]
        values = scenario.values("sysadmin", rule.endpoint)
        for method in methods:
            # Hostile path arguments, one at a time.
            for arg in sorted(rule._converters):
                is_id = type(rule._converters[arg]).__name__ == "IdConverter"
                for raw in IDS if is_id else REFUSED:
                    send("sysadmin", method, _url(rule, values, arg, raw))
            # Hostile query arguments (all at once, one value at a time).
            base = _url(rule, values, None, "")
            if method == "GET":
                for raw in QUERY:
                    send("sysadmin", "GET", base + "?" + "&".join(f"{n}={raw}" for n in names))
            # Hostile form fields, for views that read a form.
            fields = form_fields(app.view_functions[rule.endpoint]) if method == "POST" else []
            # Group forms as the group's owner, the rest as the system admin.
            persona = "owner" if rule.rule.startswith("/groups") else "sysadmin"
            for raw in (REFUSED + ODD) if fields else []:
                body = "&".join(f"{n}={raw}" for n in fields).encode()
                send(persona, "POST", base, body, real=raw in REFUSED)
        after = _counts()
        changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
        if changed:
            failures.append(f"{rule.rule}: rows written {changed}")
            before = after
    assert sent > 800, sent
    print(f"sweep: {sent} requests")
    assert not failures, f"{len(failures)} of {sent} requests:\n" + "\n".join(failures[:60])
