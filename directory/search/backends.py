"""Choosing the search backend (SEARCH_BACKEND = "whoosh" | "postgres")."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Any, Protocol

from flask import current_app

from directory.search.documents import Doc
from directory.search.query import Query
from directory.search.results import Result


class Backend(Protocol):
    """What sync and search need from an index."""

    name: str

    def lock(self, doc_type: str, timeout: float) -> AbstractContextManager[bool]: ...
    def apply(self, doc_type: str, session: Any, upserts: list[Doc], deletes: set[int]) -> None: ...
    def rebuild(self, doc_type: str, session: Any, batches: Iterable[list[Doc]]) -> int: ...
    def optimise(self) -> None: ...
    def clear(self, doc_type: str) -> None: ...
    def digests(self, doc_type: str, session: Any) -> dict[int, str]: ...
    def search(self, doc_type: str, q: Query) -> Result: ...


def make_backend(name: str, config: dict[str, Any]) -> Backend:
    """Build a backend from its name and the app config."""
    if name == "whoosh":
        from directory.search.whoosh_backend import WhooshBackend

        return WhooshBackend(config["SEARCH_INDEX_DIR"])
    if name == "postgres":
        from directory.search.pg_backend import PostgresBackend

        return PostgresBackend()
    raise ValueError(f"unknown SEARCH_BACKEND {name!r} (whoosh or postgres)")


def get_backend() -> Backend:
    """The current app's backend (built once per app)."""
    ext = current_app.extensions
    if "search_backend" not in ext:
        ext["search_backend"] = make_backend(
            current_app.config["SEARCH_BACKEND"], current_app.config
        )
    return ext["search_backend"]
