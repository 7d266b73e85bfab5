"""A locust load scenario of signed-in cadres (issue 13, "Load and faults").

bench/load.py runs it step by step and writes the figures; by hand:

    python3 -m venv var/locust-venv && var/locust-venv/bin/pip install locust==2.47.0
    var/locust-venv/bin/locust -f bench/locustfile.py --headless -u 20 -r 5 -t 60s \\
        --host http://127.0.0.1:5107

Each simulated user signs in with its own account, taken in turn from LOCUST_EMAILS (a
file with one e-mail per line; default the demo cadre) with LOCUST_PASSWORD (default the
demo password), the CSRF token read from the sign-in form and then from the page's
hx-headers. The mix: search (the htmx fragment), profiles, organisation pages, thread
reading and replying (a user whose groups have no thread starts one), and a transfer of the user's own membership: the form, the
organisation picker, submit, the transfer's page, withdraw (so the next one may start).

LOCUST_USER_RATE: tasks per second per user (constant throughput; default a wait of
1-3 s). LOCUST_SUMMARY: a JSON file written at the end with the requests after the first
LOCUST_WARMUP seconds: count, rate, errors, percentiles, and the same per request kind.
"""

from __future__ import annotations

import html
import itertools
import json
import os
import random
import re
import threading
import time
from pathlib import Path
from typing import Any

from locust import HttpUser, between, constant_throughput, events, task

PASSWORD = os.environ.get("LOCUST_PASSWORD", "demo-password-2026")
_emails_file = os.environ.get("LOCUST_EMAILS")
EMAILS = (
    [e.strip() for e in Path(_emails_file).read_text().splitlines() if e.strip()]
    if _emails_file
    else ["cadre@demo.tuanyoulu.cn"]
)
_next = itertools.cycle(EMAILS)
_lock = threading.Lock()
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_HEADER = re.compile(r'"X-CSRFToken": "([^"]+)"')
OPTION = re.compile(r'data-value="(\d+)" data-label="([^"]+)"')
VERSION = re.compile(r'name="version"[^>]*value="(\d+)"')
TRANSFER_URL = re.compile(r"/transfers/(\d+)$")
WORDS = ["张", "李", "王", "团委", "南充", "zhang", "li", "书记"]
PLACES = ["成都", "南充", "绵阳", "宜宾"]
_rate = os.environ.get("LOCUST_USER_RATE")

# What the summary counts: (kind, milliseconds, failed) after the warm-up.
WARMUP = float(os.environ.get("LOCUST_WARMUP", "0"))
_samples: list[tuple[str, float, bool]] = []
_clock = {"start": time.monotonic(), "counted_from": time.monotonic(), "all": 0}


@events.test_start.add_listener
def _started(**_: Any) -> None:
    _clock["start"] = time.monotonic()
    _clock["counted_from"] = _clock["start"] + WARMUP


@events.request.add_listener
def _record(request_type: str, name: str, response_time: float, exception: Any, **_: Any) -> None:
    _clock["all"] += 1
    if time.monotonic() >= _clock["counted_from"]:
        _samples.append((f"{request_type} {name}", response_time, exception is not None))


def _percentiles(times: list[float]) -> dict[str, float]:
    times = sorted(times)

    def at(q: float) -> float:
        return times[min(len(times) - 1, int(q * len(times)))] if times else 0.0

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99)}


@events.test_stop.add_listener
def _summarise(environment: Any, **_: Any) -> None:
    path = os.environ.get("LOCUST_SUMMARY")
    if not path:
        return
    seconds = max(1e-9, time.monotonic() - _clock["counted_from"])
    kinds: dict[str, list[float]] = {}
    for kind, ms, _failed in _samples:
        kinds.setdefault(kind, []).append(ms)
    failures = sum(failed for _k, _ms, failed in _samples)
    # Exceptions raised in tasks (e.g. a page without the expected form) count as errors too.
    crashes = sum(e.occurrences for e in environment.runner.errors.values())
    summary = {
        "requests": len(_samples),
        "all_requests": _clock["all"],
        "seconds": seconds,
        "rps": len(_samples) / seconds,
        "errors": failures + crashes,
        "failures": failures,
        "crashes": crashes,
        **_percentiles([ms for _k, ms, _f in _samples]),
        "kinds": {k: {"count": len(v), **_percentiles(v)} for k, v in sorted(kinds.items())},
    }
    Path(path).write_text(json.dumps(summary, ensure_ascii=False, indent=1))


class Cadre(HttpUser):
    wait_time = constant_throughput(float(_rate)) if _rate else between(1, 3)

    def on_start(self) -> None:
        with _lock:
            self.email = next(_next)
        page = self.client.get("/auth/login", name="/auth/login").text
        token = CSRF_FIELD.search(page).group(1)  # type: ignore[union-attr]
        self.client.post(
            "/auth/login",
            data={"csrf_token": token, "email": self.email, "password": PASSWORD},
            headers={"Referer": self.host + "/"},
            name="/auth/login [POST]",
        )
        home = self.client.get("/", name="/").text
        m = CSRF_HEADER.search(home)
        self.csrf = m.group(1) if m else ""
        self.people: list[str] = []
        self.threads: list[str] = []
        self.orgs: list[str] = []
        self.replyable: set[str] = set()
        mine = self.client.get("/groups/", params={"mine": "1"}, name="/groups/?mine=1").text
        groups = re.findall(r'href="/groups/(\d+)"', mine)[:3]  # groups the user belongs to
        for gid in groups:
            page = self.client.get(f"/groups/{gid}", name="/groups/<id>").text
            self.threads += re.findall(r'href="/groups/threads/(\d+)"', page)
        if groups and not self.threads:
            # A discussion to read and answer: the user starts one in its first group
            # (its organisation's, for most); colleagues in that group then read it too.
            started = self.post(
                f"/groups/{groups[0]}/threads/new",
                "/groups/<id>/threads/new [POST]",
                {"title": "压测话题", "body": "大家好"},
            )
            self.threads += re.findall(r"/groups/threads/(\d+)$", started.url)

    def post(self, url: str, name: str, data: dict[str, str], **kwargs: Any) -> Any:
        return self.client.post(
            url,
            data={"csrf_token": self.csrf, **data},
            headers={"Referer": self.host + "/"},
            name=name,
            **kwargs,
        )

    @task(6)
    def search(self) -> None:
        page = self.client.get(
            "/search/",
            params={"q": random.choice(WORDS)},
            headers={"HX-Request": "true"},
            name="/search/ (htmx)",
        ).text
        self.people = re.findall(r'href="/people/(\d+)"', page)[:20] or self.people

    @task(3)
    def profile(self) -> None:
        if self.people:
            self.client.get(f"/people/{random.choice(self.people)}", name="/people/<id>")

    @task(2)
    def org_page(self) -> None:
        """An organisation of the tree (the tree page itself the first time)."""
        if self.orgs:
            self.client.get(f"/orgs/{random.choice(self.orgs)}", name="/orgs/<id>")
        else:
            tree = self.client.get("/orgs/", name="/orgs/").text
            self.orgs = re.findall(r'href="/orgs/(\d+)"', tree)[:20]

    @task(3)
    def read_thread(self) -> None:
        if self.threads:
            thread = random.choice(self.threads)
            page = self.client.get(f"/groups/threads/{thread}", name="/groups/threads/<id>")
            if f'action="/groups/threads/{thread}/reply"' in page.text:
                self.replyable.add(thread)  # the page offers this user a reply form

    @task(1)
    def post_reply(self) -> None:
        if self.replyable:
            thread = random.choice(sorted(self.replyable))
            self.post(
                f"/groups/threads/{thread}/reply",
                "/groups/threads/<id>/reply",
                {"body": "压测回复"},
            )

    @task(1)
    def transfer(self) -> None:
        """Request a transfer of one's own membership, look at it, withdraw it."""
        self.client.get("/transfers/new", name="/transfers/new")
        options = self.client.get(
            "/transfers/org-options",
            params={"field": "destination", "destination_q": random.choice(PLACES)},
            name="/transfers/org-options",
        ).text
        choices = OPTION.findall(options)
        if not choices:
            return
        org_id, label = random.choice(choices)
        label = html.unescape(label)
        with self.post(
            "/transfers/new",
            "/transfers/new [POST]",
            {
                "member": "",
                "member_q": "",
                "destination": org_id,
                "destination_q": label,
                "destination_label": label,
                "reason": "job",
                "note": "压测",
            },
            catch_response=True,
        ) as submitted:
            if submitted.status_code == 422 and "组织关系已在" in submitted.text:
                submitted.success()  # the picker offered the user's own organisation
                return
        found = TRANSFER_URL.search(submitted.url)
        version = VERSION.search(submitted.text)
        if found is None or version is None:
            raise RuntimeError(f"no transfer page after submitting: {submitted.url}")
        self.post(
            f"/transfers/{found.group(1)}/withdraw",
            "/transfers/<id>/withdraw",
            {"version": version.group(1)},
        )
