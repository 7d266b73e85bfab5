"""Pausing Python's cyclic garbage collector around bulk object building."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block without cyclic garbage collections (restored afterwards).

    Loading or writing thousands of rows allocates enough objects to trigger several full
    collections, each walking the ~300,000 long-lived objects of the app (pypinyin, jieba,
    Babel data): seconds of a 10,000-person export. Reference counting still frees
    everything at once; cycles made inside wait for the next collection.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
