"""Shared by the benchmark scripts: write one section of docs/PERFORMANCE.md.

Each script owns a section between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`
and replaces only that, so scripts can run in any order (even at the same time: writes
take a lock) without touching each other's figures.
"""

from __future__ import annotations

import fcntl
import os
import platform
import re
import statistics
import subprocess
import tempfile
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PERFORMANCE = ROOT / "docs" / "PERFORMANCE.md"
HEADER = """# Performance

Figures measured by the scripts in `bench/` (run `.venv/bin/python bench/<script>.py`).
Each script rewrites only its own section, marked by `<!-- bench:NAME -->` comments;
edit the text around the sections freely, not inside them.
"""
_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,40}")


def write_section(name: str, markdown: str, path: Path = PERFORMANCE) -> Path:
    """Replace (or append) the section `name` of docs/PERFORMANCE.md with `markdown`."""
    if not _NAME.fullmatch(name):
        raise ValueError(f"section names are lower-case letters, digits, - and _: {name!r}")
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{markdown.strip()}\n{end}"
    path.parent.mkdir(parents=True, exist_ok=True)
    # One lock for every writer (the document itself is replaced, so it cannot be the lock).
    lock_path = Path(tempfile.gettempdir()) / "directory-bench-report.lock"
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        text = path.read_text(encoding="utf-8") if path.exists() else HEADER
        i = text.find(start)
        j = text.find(end, i + len(start)) if i >= 0 else -1
        if i >= 0 and j >= 0:
            text = text[:i] + block + text[j + len(end) :]
        else:
            text = text.rstrip("\n") + "\n\n" + block + "\n"
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    return path


def median_ms(seconds: Iterable[float]) -> str:
    """The median of durations in seconds, as milliseconds ("123 ms")."""
    return f"{statistics.median(seconds) * 1000:.0f} ms"


def machine() -> str:
    """One line describing where the figures were measured."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    return (
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC at commit {commit} on "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load average {os.getloadavg()[0]:.1f} "
        "(other work on the machine inflates the timings)."
    )
