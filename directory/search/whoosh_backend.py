"""The Whoosh backend (whoosh-reloaded): one index directory per document type.

Layout under SEARCH_INDEX_DIR: `<type>/CURRENT` names the live index directory
(`<type>/ix-<stamp>`); `reindex` builds a new one beside it and swaps the pointer,
so searches keep working meanwhile. Writers serialise on `<type>.lock` (flock,
with a timeout), so several gunicorn workers share the index without LockError.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from whoosh import index
from whoosh.analysis import Token, Tokenizer
from whoosh.columns import VarBytesColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema

from directory.core import text
from directory.search.bitsets import MAX_PREFIX, UNIONS, BitIndex
from directory.search.documents import Doc
from directory.search.query import Query
from directory.search.results import Result

REFRESH_EVERY = 0.25  # seconds between checks for other processes' commits


class SegmentingTokenizer(Tokenizer):
    """Chinese-aware tokenizer: rjieba's search-mode cut plus org-type words (text.segment)."""

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        words = text.segment(value) if tokenize else [value]
        for pos, word in enumerate(words):
            token.text = word
            token.boost = 1.0
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(word)
            yield token


def schema() -> Schema:
    """One schema for every document type; filters are "field:value" keywords."""
    segmented = SegmentingTokenizer()
    return Schema(
        id=ID(stored=True, unique=True),
        names=KEYWORD(scorable=True),
        pfx=KEYWORD(scorable=True),  # scorable: whoosh caches its length column (10x faster build)
        org=TEXT(analyzer=segmented, phrase=False),
        orgp=TEXT(analyzer=segmented, phrase=False),
        body=TEXT(analyzer=segmented, phrase=False),
        f=KEYWORD(scorable=True),
        py=KEYWORD(scorable=True),
        sort=COLUMN(VarBytesColumn()),
        digest=STORED(),
    )


def edge_ngrams(forms: Iterable[str]) -> list[str]:
    """Prefixes (up to MAX_PREFIX letters) of the pinyin forms: a prefix query is one term."""
    out = {f[:n] for f in forms for n in range(1, min(len(f), MAX_PREFIX) + 1)}
    return sorted(out)


def _fields(doc: Doc) -> dict[str, Any]:
    return {
        "id": str(doc.key),
        "names": " ".join(doc.names),
        "pfx": " ".join(edge_ngrams(doc.pinyin)),
        "py": " ".join(doc.pinyin),
        "org": doc.org_text,
        "orgp": doc.org_past,
        "body": doc.body,
        "f": " ".join(
            f"{k}:{v}" for k, values in doc.filters.items() if k not in UNIONS for v in values
        ),
        "sort": (doc.sort or str(doc.key)).encode(),
        "digest": doc.digest,
    }


class _Open:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.ix = index.open_dir(str(path))
        self.searcher = self.ix.searcher()
        self.checked = time.monotonic()
        self.bits: BitIndex | None = None


class WhooshBackend:
    """Search and index through Whoosh files shared by all processes on one machine."""

    name = "whoosh"

    def __init__(self, root: str) -> None:
        self.root = Path(root)
        self._open: dict[str, _Open] = {}
        self._mutex = threading.Lock()

    # -- files and locks -------------------------------------------------
    def _pointer(self, doc_type: str) -> Path:
        return self.root / doc_type / "CURRENT"

    def _current(self, doc_type: str, create: bool = False) -> Path | None:
        """The live index directory; writers (holding the lock) create it when missing."""
        pointer = self._pointer(doc_type)
        try:
            return pointer.parent / pointer.read_text().strip()
        except FileNotFoundError:
            if not create:
                return None
        path = self._new_dir(doc_type)
        self._swap(doc_type, path)
        return path

    def _new_dir(self, doc_type: str) -> Path:
        path = self.root / doc_type / f"ix-{time.time_ns()}"
        path.mkdir(parents=True)
        index.create_in(str(path), schema())
        return path

    def _swap(self, doc_type: str, path: Path) -> None:
        pointer = self._pointer(doc_type)
        tmp = pointer.with_suffix(".tmp")
        tmp.write_text(path.name)
        os.replace(tmp, pointer)
        # Keep the previous index for searchers still reading it; drop older ones.
        dirs = sorted(p for p in pointer.parent.glob("ix-*") if p != path)
        for old in dirs[:-1]:
            shutil.rmtree(old, ignore_errors=True)

    @contextlib.contextmanager
    def lock(self, doc_type: str, timeout: float) -> Iterator[bool]:
        """The writer lock for one document type; yields False if busy after `timeout`."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / f"{doc_type}.lock", "a+") as fh:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        yield False
                        return
                    time.sleep(0.02)
            try:
                yield True
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # -- writing (caller holds the lock) ---------------------------------
    def apply(self, doc_type: str, session: Any, upserts: list[Doc], deletes: set[int]) -> None:
        """Add or replace `upserts`, remove `deletes`."""
        ix = index.open_dir(str(self._current(doc_type, create=True)))
        writer = ix.writer(timeout=5.0)
        try:
            for key in deletes:
                writer.delete_by_term("id", str(key))
            known = set(ix.schema.names())
            for doc in upserts:
                # An index built by an older version lacks newer fields until the
                # next `flask search reindex`: write what it can hold.
                writer.update_document(**{k: v for k, v in _fields(doc).items() if k in known})
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        ix.close()
        self._stale(doc_type)

    def rebuild(self, doc_type: str, session: Any, batches: Iterable[list[Doc]]) -> int:
        """Build a fresh index beside the live one and swap it in; returns the count."""
        path = self._new_dir(doc_type)
        ix = index.open_dir(str(path))
        # One sub-writer per CPU, each writing its own segment (no final merge).
        procs = max(1, min(4, os.cpu_count() or 1))
        writer = ix.writer(procs=procs, multisegment=procs > 1, limitmb=128)
        count = 0
        try:
            for docs in batches:
                for doc in docs:
                    writer.add_document(**_fields(doc))
                count += len(docs)
        except BaseException:
            writer.cancel()
            shutil.rmtree(path, ignore_errors=True)
            raise
        writer.commit()
        ix.close()
        self._swap(doc_type, path)
        self._stale(doc_type)
        return count

    def optimise(self) -> None:
        """Nothing to do after a rebuild (each sub-writer wrote its own segment)."""

    def clear(self, doc_type: str) -> None:
        """Drop the index of one document type (tests)."""
        shutil.rmtree(self.root / doc_type, ignore_errors=True)
        self._stale(doc_type)

    def _stale(self, doc_type: str) -> None:
        entry = self._open.get(doc_type)
        if entry is not None:
            entry.checked = 0.0

    def ready(self, doc_type: str) -> bool:
        """A live index exists for `doc_type` (readiness probes; cheap: no segment read)."""
        path = self._current(doc_type)
        return path is not None and index.exists_in(str(path))

    # -- reading ---------------------------------------------------------
    def _entry(self, doc_type: str) -> _Open | None:
        with self._mutex:
            entry = self._open.get(doc_type)
            now = time.monotonic()
            if entry is not None and now - entry.checked < REFRESH_EVERY:
                return entry
            path = self._current(doc_type)
            if path is None:
                return None
            if entry is None or entry.path != path:
                if entry is not None:
                    entry.searcher.close()
                entry = self._open[doc_type] = _Open(path)
            elif not entry.searcher.up_to_date():
                # A fresh searcher, not Searcher.refresh(): a refreshed one reuses the
                # readers of unchanged segments with their old deletion sets, so
                # replaced or deleted documents would still be counted.
                entry.searcher.close()
                entry.searcher = entry.ix.searcher()
            entry.checked = now
            return entry

    def digests(self, doc_type: str, session: Any) -> dict[int, str]:
        """Key → content digest of every indexed document."""
        entry = self._entry(doc_type)
        if entry is None:
            return {}
        s = entry.searcher
        return {int(f["id"]): f.get("digest", "") for f in s.all_stored_fields()}

    def search(self, doc_type: str, q: Query) -> Result:
        """Run a query: matching keys of the page, the total, and facet counts."""
        entry = self._entry(doc_type)
        if entry is None:
            return Result(keys=[], total=0, facets={})
        bits = entry.bits
        if bits is None or bits.searcher is not entry.searcher:
            bits = entry.bits = BitIndex(entry.searcher)
        keys, total, facets = bits.search(q)
        return Result(keys=keys, total=total, facets=facets)
