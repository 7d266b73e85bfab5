"""Links that leave the site (e-mails, printed invitations): always on the canonical base URL.

A link built from the request would take the attacker's Host header; with BASE_URL set,
every external link starts with it, in a request or in a CLI command alike.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for


def base_url() -> str | None:
    """The configured canonical address of the site, without a trailing slash."""
    base = current_app.config.get("BASE_URL")
    return str(base).rstrip("/") if base else None


@contextmanager
def offline_request() -> Iterator[None]:
    """A request context for work outside a request (CLI commands, background jobs): the
    locale selector and `url_for` need one. Its host is the canonical base URL's, else the
    first trusted host: a context for Flask's default `localhost` fails the trusted-host
    check in production, and every `url_for` in it with it. Inside a request: nothing."""
    if has_request_context():
        yield
        return
    base = base_url()
    if not base:
        hosts = current_app.config.get("TRUSTED_HOSTS") or ()
        base = f"http://{hosts[0].lstrip('.')}" if hosts else None
    with current_app.test_request_context("/", base_url=base):
        yield


def external_url(endpoint: str, *, _base: str | None = None, **values: Any) -> str:
    """An absolute URL for `endpoint` on the canonical base URL (or the request's host)."""
    base = (_base or "").rstrip("/") or base_url()
    if not base:
        return url_for(endpoint, _external=True, **values)
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)


def external_link(path: str) -> str:
    """An absolute URL for a site path such as "/groups/3" (stored notification links)."""
    if "://" in path or path.startswith("//"):
        return path
    base = base_url() or url_for("main.index", _external=True).rstrip("/")
    return base + "/" + path.lstrip("/")


def trusted_hosts(config: Mapping[str, Any]) -> list[str] | None:
    """The Host names the app answers: TRUSTED_HOSTS, else the base URL's host, else any."""
    hosts = [str(h) for h in (config.get("TRUSTED_HOSTS") or ())]
    base = config.get("BASE_URL")
    if base:
        host = urlsplit(str(base)).hostname
        if host and host not in hosts:
            hosts.append(host)
    return hosts or None
