"""A smoke journey over real HTTP against a running server (bin/smoke starts one).

    python scripts/smoke.py http://127.0.0.1:5107 [--email cadre@demo.tuanyoulu.cn]

Signs in through the login form (CSRF token read from the page), searches (page and htmx
fragment), reads a group thread, posts a reply and finds it, starts a transfer for
oneself and opens it, then signs out. Every answer must carry the security headers.
Exits non-zero, naming the step, on the first failure. Prints one line per step and a
closing line.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
import time
import uuid
from collections.abc import Callable
from urllib.parse import urljoin

import requests

DEMO_PASSWORD = "demo-password-2026"
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_HEADER = re.compile(r'"X-CSRFToken": "([^"]+)"')


class SmokeError(AssertionError):
    pass


def check(cond: object, message: str) -> None:
    if not cond:
        raise SmokeError(message)


class Journey:
    def __init__(self, base: str, email: str, password: str) -> None:
        self.base = base.rstrip("/") + "/"
        self.email = email
        self.password = password
        self.http = requests.Session()
        self.http.headers["User-Agent"] = "tuanyoulu-smoke/1"
        # Over HTTPS, Flask-WTF also wants a same-origin Referer on every POST (as a
        # browser sends under Referrer-Policy: same-origin).
        self.http.headers["Referer"] = self.base
        self.csrf = ""

    # -- helpers -----------------------------------------------------------
    def url(self, path: str) -> str:
        return urljoin(self.base, path.lstrip("/"))

    def get(self, path: str, status: int = 200, **kw: object) -> requests.Response:
        r = self.http.get(self.url(path), allow_redirects=False, timeout=30, **kw)  # type: ignore[arg-type]
        self._expect(r, status, f"GET {path}")
        return r

    def post(self, path: str, data: dict[str, str], status: int, **kw: object) -> requests.Response:
        data = {"csrf_token": self.csrf, **data}
        r = self.http.post(self.url(path), data=data, allow_redirects=False, timeout=30, **kw)  # type: ignore[arg-type]
        self._expect(r, status, f"POST {path}")
        return r

    def _expect(self, r: requests.Response, status: int, what: str) -> None:
        check(
            r.status_code == status,
            f"{what}: {r.status_code}, expected {status}: {r.text[:300]!r}",
        )
        csp = r.headers.get("Content-Security-Policy", "")
        check("script-src 'self'" in csp and "unsafe-inline" not in csp, f"{what}: CSP {csp!r}")
        check(r.headers.get("X-Content-Type-Options") == "nosniff", f"{what}: no nosniff")

    def take_csrf(self, page: str) -> None:
        m = CSRF_FIELD.search(page) or CSRF_HEADER.search(page)
        check(m, "no CSRF token on the page")
        self.csrf = html.unescape(m.group(1))  # type: ignore[union-attr]

    # -- the steps ---------------------------------------------------------
    def probes(self) -> None:
        check(self.get("/healthz").json()["status"] == "ok", "healthz")
        ready = self.get("/readyz").json()
        check(ready["status"] == "ok", f"readyz: {ready}")

    def sign_in(self) -> None:
        self.take_csrf(self.get("/auth/login").text)
        r = self.post("/auth/login", {"email": self.email, "password": self.password}, 302)
        check(r.headers["Location"].endswith("/"), f"sign-in went to {r.headers['Location']}")
        home = self.get("/")
        check("退出" in home.text, "home page does not show the sign-out button")
        self.take_csrf(home.text)

    def search(self) -> None:
        page = self.get("/search/", params={"q": "张"})
        check("张" in page.text, "search page shows no 张")
        frag = self.get("/search/", params={"q": "张"}, headers={"HX-Request": "true"})
        check("<html" not in frag.text and "张" in frag.text, "search fragment")
        check("HX-Request" in frag.headers.get("Vary", ""), "fragment without Vary")

    def read_thread(self) -> str:
        groups = self.get("/groups/").text
        for gid in dict.fromkeys(re.findall(r'href="/groups/(\d+)"', groups)):
            threads = re.findall(r'href="/groups/threads/(\d+)"', self.get(f"/groups/{gid}").text)
            if threads:
                thread = f"/groups/threads/{threads[0]}"
                page = self.get(thread).text
                check("<article" in page or "post" in page, "thread page shows no post")
                self.take_csrf(page)
                return thread
        raise SmokeError("no group of the user has a thread to read")

    def post_reply(self, thread: str) -> None:
        words = f"冒烟测试 {uuid.uuid4().hex[:8]}"
        r = self.post(f"{thread}/reply", {"body": words}, 303)
        check(thread in r.headers["Location"], f"reply went to {r.headers['Location']}")
        check(words in self.get(thread).text, "the reply is not on the thread page")

    def start_transfer(self) -> None:
        page = self.get("/transfers/new").text
        self.take_csrf(page)
        options = self.get(
            "/transfers/org-options", params={"field": "destination", "destination_q": "成都"}
        ).text
        ids = re.findall(r'data-value="(\d+)"', options)
        check(ids, "no organisation offered for 成都")
        r = self.http.post(
            self.url("/transfers/new"),
            data={
                "csrf_token": self.csrf,
                "destination": ids[0],
                "reason": "job",
                "note": "冒烟测试",
            },
            allow_redirects=False,
            timeout=30,
        )
        if r.status_code == 409 or (r.status_code == 422 and "转接" in r.text and "已有" in r.text):
            # The demo account already has an open transfer: open that one instead.
            listing = self.get("/transfers/").text
            found = re.findall(r'href="/transfers/(\d+)"', listing)
            check(found, "transfer refused and none listed")
            self.get(f"/transfers/{found[0]}")
            return
        self._expect(r, 303, "POST /transfers/new")
        location = r.headers["Location"]
        check(re.search(r"/transfers/\d+$", location), f"transfer went to {location}")
        check("冒烟测试" in self.get(location).text, "the transfer page lacks its note")

    def sign_out(self) -> None:
        self.post("/auth/logout", {}, 302)
        check(self.get("/", status=302).headers["Location"].endswith("/auth/login"), "signed out")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="e.g. http://127.0.0.1:5107")
    parser.add_argument("--email", default="cadre@demo.tuanyoulu.cn")
    parser.add_argument("--password", default=DEMO_PASSWORD)
    parser.add_argument("--insecure", action="store_true", help="accept a self-signed cert")
    args = parser.parse_args()
    j = Journey(args.base, args.email, args.password)
    if args.insecure:
        j.http.verify = False
        # Or REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE from the environment win over verify=False.
        j.http.trust_env = False
        import urllib3

        urllib3.disable_warnings()
    thread: list[str] = []
    steps: list[tuple[str, Callable[[], object]]] = [
        ("probes", j.probes),
        ("sign in", j.sign_in),
        ("search", j.search),
        ("read a thread", lambda: thread.append(j.read_thread())),
        ("post a reply", lambda: j.post_reply(thread[0])),
        ("start a transfer", j.start_transfer),
        ("sign out", j.sign_out),
    ]
    passed = 0
    for name, step in steps:
        started = time.perf_counter()
        try:
            step()
        except (SmokeError, requests.RequestException, KeyError, ValueError) as err:
            print(f"FAIL {name}: {err}")
            print(f"smoke journey FAILED at step {passed + 1} of {len(steps)}")
            return 1
        passed += 1
        print(f"ok   {name} ({(time.perf_counter() - started) * 1000:.0f} ms)")
    print(f"smoke journey ok: {passed} steps")
    return 0


if __name__ == "__main__":
    sys.exit(main())
