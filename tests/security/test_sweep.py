"""The hostile-input sweep, generated from the URL map and every form.

Every URL rule gets hostile values in each of its path arguments, in every query
argument the code reads or a page's GET form sends, and in every field of every form a
page renders for it or its view reads (`rendered_forms`, `_Recording`):
oversized integers, Unicode digits, negative numbers, invalid UTF-8, control
characters, over-long values and wrong types. No answer may be a 5xx (or an
exception), and refused input writes nothing: POSTs of values every field must refuse
are committed for real and the row count of every table must be the same after each
rule as before the sweep (docs/SECURITY.md, "The hostile-input sweep", says which
requests run with commits turned into flushes, and why).
"""

from __future__ import annotations

import contextlib
import inspect
import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlencode, urljoin, urlsplit

from flask import request
from flask_sqlalchemy.session import Session
from sqlalchemy import func, literal, select, union_all
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import HTTPException, NotFound

from directory.extensions import db
from directory.web.forms import BaseForm

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
# Sent one field at a time (among valid values): one of each way a number parser can go
# wrong (beyond 64 and 32 bits, negative, a digit int() refuses, digits int() takes).
ODD_ALONE = [ODD[0], ODD[1], ODD[2], ODD[4], ODD[5]]
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


class _Forms(HTMLParser):
    """The forms of a page as a browser would submit them: for each <form>, its method,
    its action and its fields (input, select, textarea, named buttons, and fields placed
    outside it with `form="<id>"`) with the value each would send untouched (text and
    hidden inputs, checked boxes, the selected or first option, a textarea's text).
    `hx_get` holds the names an element sends with its own htmx GET (`hx-vals` keys)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, str, dict[str, str]]] = []
        self.hx_get: set[str] = set()
        self._by_id: dict[str, dict[str, str]] = {}
        self._open: dict[str, str] | None = None
        self._select: tuple[dict[str, str], str] | None = None  # (form, name) being read
        self._textarea: tuple[dict[str, str], str] | None = None

    def _owner(self, a: dict[str, str]) -> dict[str, str] | None:
        if a.get("form"):
            return self._by_id.setdefault(a["form"], {})
        return self._open

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "hx-get" in a and a.get("hx-vals", "").startswith("{"):
            with contextlib.suppress(ValueError):
                self.hx_get.update(json.loads(a["hx-vals"]))
        if tag == "form":
            self._open = self._by_id.setdefault(a["id"], {}) if a.get("id") else {}
            self.forms.append((a.get("method", "get").upper(), a.get("action", ""), self._open))
            return
        if tag == "option" and self._select is not None:
            form, name = self._select
            if name not in form or "selected" in a:
                form[name] = a.get("value", "")
            return
        name = a.get("name", "")
        form = self._owner(a)
        if not name or form is None or tag not in ("input", "select", "textarea", "button"):
            return
        kind = a.get("type", "").lower()
        if tag == "select":
            self._select = (form, name)
            form.setdefault(name, "")
        elif tag == "textarea":
            self._textarea = (form, name)
            form[name] = ""
        elif kind in ("checkbox", "radio"):
            if "checked" in a:
                form[name] = a.get("value", "on")
            else:
                form.setdefault(name, "")
        elif kind != "file":
            form.setdefault(name, a.get("value", ""))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            form, name = self._textarea
            form[name] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


# Pages are read as the system admin, and these areas also as those who see other forms
# there (signed out: sign-in; the group's owner and a non-member; a notice's recipient).
CRAWLED_AS = {
    "/auth": ("anonymous",),
    "/groups": ("owner", "cadre"),
    "/notices": ("cadre",),
    "/reports": ("cadre",),
}


def rendered_forms(app, scenario) -> tuple[dict[str, dict[str, str]], set[str]]:  # type: ignore[no-untyped-def]
    """What the app's pages really ask for: every <form> on every page of the scenario
    (each GET rule as the system admin, some areas as others too: CRAWLED_AS), by the
    endpoint it posts to, with the values a browser would send untouched; and the names
    every GET form and htmx request sends (they arrive as query arguments). Reads only:
    the caller turns commits into flushes."""
    adapter = app.url_map.bind("localhost")
    posted: dict[str, dict[str, str]] = {}
    queried: set[str] = set()
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in SKIP or "GET" not in (rule.methods or ()):
            continue
        prefix = "/" + rule.rule.split("/")[1]
        for persona in ["sysadmin", *CRAWLED_AS.get(prefix, ())]:
            url = _url(rule, scenario.values(persona, rule.endpoint), None, "")
            client = app.test_client()
            for key, value in scenario.cookies.get(persona, []):
                client.set_cookie(key, value)
            try:
                r = client.get(url)
            finally:
                db.session.rollback()
            if r.status_code != 200 or r.mimetype != "text/html":
                continue
            parser = _Forms()
            parser.feed(r.get_data(as_text=True))
            parser.close()
            queried |= parser.hx_get
            for method, action, fields in parser.forms:
                values = {n: v for n, v in fields.items() if n != "csrf_token"}
                if method == "GET":
                    queried.update(values)
                    continue
                path = urlsplit(urljoin(url, action or url)).path
                try:
                    endpoint, _args = adapter.match(path, method=method)
                except HTTPException:
                    continue
                # Several forms may post to one endpoint: the first one's values stand.
                posted[str(endpoint)] = {**values, **posted.get(str(endpoint), {})}
    return posted, queried


class _Recording(ImmutableMultiDict):
    """request.args / request.form that note every key a view asks for, however it asks
    (a form's field, a picker's `<name>_q`, `web/args` helpers, `request.form.get`)."""

    def _note(self, key: object) -> None:
        if not isinstance(key, str):
            return
        stored = request.__dict__
        if self is stored.get("args"):
            READ["args"].add(key)
        elif self is stored.get("form"):
            READ["form"].add(key)

    def __contains__(self, key: object) -> bool:
        self._note(key)
        return super().__contains__(key)

    def __getitem__(self, key):  # type: ignore[no-untyped-def]
        self._note(key)
        return super().__getitem__(key)

    def get(self, key, default=None, type=None):  # type: ignore[no-untyped-def]
        self._note(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):  # type: ignore[no-untyped-def]
        self._note(key)
        return super().getlist(key, type)


# What the current request read: query keys, form keys, and the fields (name -> type) of
# every BaseForm it validated.
NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
READ: dict[str, set[str]] = {"args": set(), "form": set()}
VALIDATED: dict[str, str] = {}
# Fields the form layer does not check as text (web/forms.py: _SKIPPED_FIELDS).
NOT_TEXT = {"CSRFTokenField", "FileField", "MultipleFileField", "BooleanField"}
# Fields that take any text: a value odd only as a number is just text to them.
FREE_TEXT = {"StringField", "TrimmedStringField", "TextAreaField", "EmailField", "PasswordField"}


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


# The audit log records reads as well (a profile's contacts shown to a viewer, once a
# day): a row there is the log doing its work, not refused input being stored.
NOT_STORED_INPUT = {"audit_event"}


def _counts() -> dict[str, int]:
    """Rows per table (but the audit log), in one statement."""
    tables = [t for t in db.metadata.sorted_tables if t.name not in NOT_STORED_INPUT]
    query = union_all(
        *(
            select(literal(t.name).label("t"), func.count().label("n")).select_from(t)
            for t in tables
        )
    )
    return {name: n for name, n in db.session.execute(query)}


def _routing_refuses(app, method: str, url: str) -> bool:  # type: ignore[no-untyped-def]
    """True when no rule matches `url` (the router answers 404 before any view runs)."""
    with app.test_request_context(url, method=method) as ctx:
        return isinstance(ctx.request.routing_exception, NotFound)


def test_hostile_input_sweep(scenario_app, monkeypatch):
    app, scenario = scenario_app
    # Every view's reads of request.args / request.form are recorded (see _Recording).
    monkeypatch.setattr(app.request_class, "parameter_storage_class", _Recording)
    validate = BaseForm.validate

    def recording_validate(self, extra_validators=None):  # type: ignore[no-untyped-def]
        VALIDATED.update((f.name, f.type) for f in self)
        return validate(self, extra_validators)

    monkeypatch.setattr(BaseForm, "validate", recording_validate)
    db.session.rollback()
    before = _counts()
    names = query_names()
    failures: list[str] = []
    sent = 0
    cases = 0
    kinds: Counter[str] = Counter()
    extra: set[str] = set()  # query names read that the source scan did not find
    routed = 0  # cases answered by the router's 404, checked without a request
    real_commit = Session.commit
    commits = {"real": True}

    def commit(self):  # type: ignore[no-untyped-def]
        return real_commit(self) if commits["real"] else self.flush()

    monkeypatch.setattr(Session, "commit", commit)
    # What the pages ask for: every form's fields, by the endpoint it posts to.
    commits["real"] = False
    rendered, queried = rendered_forms(app, scenario)
    names = sorted(set(names) | queried)
    only_rendered: dict[str, set[str]] = {}

    def send(
        persona: str,
        method: str,
        url: str,
        body: bytes | None = None,
        real: bool = True,
        unwritten: dict[str, int] | None = None,
        kind: str = "path",
    ) -> None:
        nonlocal sent
        commits["real"] = real
        client = app.test_client()
        for key, value in scenario.cookies[persona]:
            client.set_cookie(key, value)
        sent += 1
        kinds[kind] += 1
        try:
            r = client.open(
                url,
                method=method,
                data=body,
                content_type="application/x-www-form-urlencoded" if body is not None else None,
            )
            status = r.status_code
            if unwritten is not None and (now := _counts()) != unwritten:
                grew = {t: n - unwritten[t] for t, n in now.items() if n != unwritten[t]}
                failures.append(f"{method} {url[:80]} {body!r:.2000} as {persona} wrote {grew}")
        except Exception as exc:  # an exception is a 500 in production
            status = f"{type(exc).__name__}: {exc}"[:200]
        finally:
            db.session.rollback()
        if not isinstance(status, int) or status >= 500:
            failures.append(f"{method} {url[:120]} as {persona}: {status}")

    # Hostile path values that no rule matches never reach a view, a blueprint or its
    # hooks: the answer is the app's 404 page whatever the rule. Each such case is checked
    # at the router for every rule, argument and method, and requested for real once per
    # method and value (those that match a rule are all requested).
    requested_404: set[tuple[str, str]] = set()
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
    for rule in rules:
        if rule.endpoint in SKIP:
            continue
        methods = [m for m in ("GET", "POST") if m in (rule.methods or ())]
        values = scenario.values("sysadmin", rule.endpoint)
        # Group forms as the group's owner, the rest as the system admin.
        persona = "owner" if rule.rule.startswith("/groups") else "sysadmin"
        # Valid data: what the page's form sends untouched, and the scenario's values.
        valid = {**rendered.get(rule.endpoint, {}), **scenario.forms.get(rule.endpoint, {})}
        base = _url(rule, values, None, "")
        for method in methods:
            # Hostile path arguments, one at a time.
            for arg in sorted(rule._converters):
                is_id = type(rule._converters[arg]).__name__ == "IdConverter"
                for raw in IDS if is_id else REFUSED:
                    cases += 1
                    url = _url(rule, values, arg, raw)
                    if _routing_refuses(app, method, url):
                        key = (method, raw)
                        if key in requested_404:
                            routed += 1
                            continue
                        requested_404.add(key)
                    send("sysadmin", method, url)
            for seen in (*READ.values(), VALIDATED):
                seen.clear()
            if method == "GET":
                # Hostile query arguments: every name the source reads, all at once, plus
                # any other the view is seen reading (then those are sent again).
                query = sorted(names)
                i = 0
                while i < len(QUERY):
                    cases += 1
                    raw = QUERY[i]
                    send(
                        "sysadmin",
                        "GET",
                        base + "?" + "&".join(f"{n}={raw}" for n in query),
                        kind="query",
                    )
                    # (A key named after a value, e.g. "<field>_q", is not a new name.)
                    grown = sorted(set(query) | {n for n in READ["args"] if NAME.fullmatch(n)})
                    extra.update(set(grown) - set(query))
                    i = 0 if grown != query else i + 1
                    query = grown
                continue
            # What the view reads: sent once with valid data (commits only flush).
            body = urlencode(valid).encode()
            send(persona, method, base, body, real=False, kind="discovery")
            # Hostile form fields: every field the view's code names, every field of the
            # forms it validated, every form key it was seen reading.
            found = set(form_fields(app.view_functions[rule.endpoint])) | READ["form"]
            found |= set(VALIDATED)
            on_page = set(rendered.get(rule.endpoint, {}))
            if missed := on_page - found:
                only_rendered[rule.endpoint] = missed
            fields = sorted((found | on_page) - {"csrf_token"})
            # Text fields of a validated form refuse the REFUSED values, whatever the rest.
            text_fields = {n for n, kind in VALIDATED.items() if kind not in NOT_TEXT}
            free_text = {n for n, kind in VALIDATED.items() if kind in FREE_TEXT}
            for raw in (REFUSED + ODD) if fields else []:
                # All fields at once ...
                cases += 1
                body = "&".join(f"{n}={raw}" for n in fields).encode()
                send(persona, "POST", base, body, real=raw in REFUSED, kind="form")
                # ... and, where valid data exists, one field at a time among valid ones,
                # so the hostile value reaches as deep as the view goes (commits only
                # flush; for a refused value in a text field the flushed rows are counted
                # before the rollback: none may have been written).
                for field in fields if valid and len(fields) > 1 else []:
                    if raw in ODD and (field in free_text or raw not in ODD_ALONE):
                        continue  # odd only as a number: plain text to a free-text field
                    cases += 1
                    others = {k: v for k, v in valid.items() if k != field}
                    body = (urlencode(others) + f"&{field}={raw}").lstrip("&").encode()
                    must_refuse = raw in REFUSED and field in text_fields
                    send(
                        persona,
                        "POST",
                        base,
                        body,
                        real=False,
                        unwritten=before if must_refuse else None,
                        kind="field",
                    )
        after = _counts()
        changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
        if changed:
            failures.append(f"{rule.rule}: rows written {changed}")
            before = after
    assert cases > 1400, cases
    print(f"sweep: {cases} cases, {sent} requests {dict(kinds)}, {routed} cases at the router")
    print(f"query names found only at run time: {sorted(extra)}")
    print(f"GET form fields: {sorted(queried)}")
    print(f"form fields found only in the rendered pages: {only_rendered}")
    posts = {r.endpoint for r in rules if "POST" in (r.methods or ()) and r.endpoint not in SKIP}
    print(f"POST endpoints with no form on the pages swept: {sorted(posts - set(rendered))}")
    assert not failures, f"{len(failures)} of {sent} requests:\n" + "\n".join(failures[:60])
