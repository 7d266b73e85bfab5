"""Build directory/stats/data/tiles.tsv: a tile-map place for each prefecture and county.

Usage:
    cd "$(mktemp -d)" && pip download --no-deps cpca==0.5.5
    python -m zipfile -e cpca-0.5.5-py3-none-any.whl .
    python /path/to/repo/scripts/build_tiles.py "$PWD/cpca/resources/adcodes.csv"

The approximate place of each division (the longitude and latitude of its seat) comes from
the PyPI package `cpca` 0.5.5 (MIT, see directory/stats/data/README.md); the divisions are
ours (directory/regions/data/regions.tsv.gz). For every province (and every prefecture), its
prefectures (counties) are laid on a small grid of at most MAX_COLS columns: the seats are
projected (longitude scaled by the cosine of the mean latitude), the grid cell is sized so
that the grid has about twice as many cells as areas, then each area takes the free cell
nearest to its seat (the closest pair first, then moves and swaps while they lower the
sum of squared distances), and empty rows and columns are removed.
Areas without a known seat are left out (the page puts them after the placed ones, in code
order). Provinces are not here: their grid is hand-made (stats/tiles.PROVINCE_TILES).
The output is deterministic: the same inputs give the same bytes.
"""

from __future__ import annotations

import csv
import gzip
import math
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGIONS = ROOT / "directory" / "regions" / "data" / "regions.tsv.gz"
OUT = ROOT / "directory" / "stats" / "data" / "tiles.tsv"
MAX_COLS = 8
# Our code -> the code of the same area in cpca's older data (renamed since).
ALIASES = {"5406": "5424"}  # 那曲地区 became 那曲市 (2017), same seat

Point = tuple[float, float]


def read_seats(path: Path) -> dict[str, Point]:
    """cpca's adcodes.csv -> {our code (2, 4 or 6 digits): (longitude, latitude)}."""
    seats: dict[str, Point] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            code, lon, lat = row["adcode"], row["longitude"], row["latitude"]
            if len(code) != 12 or not code.isdigit() or not lon or not lat:
                continue
            if code.endswith("0000000000"):
                key = code[:2]
            elif code.endswith("00000000"):
                key = code[:4]
            elif code.endswith("000000"):
                key = code[:6]
            else:
                continue
            x, y = float(lon), float(lat)
            if not (70 <= x <= 140 and 3 <= y <= 55):  # 3°N: the South China Sea islands
                raise SystemExit(f"seat out of range for {code}: {lon}, {lat}")
            seats[key] = (x, y)
    return seats


def read_regions() -> dict[str, str]:
    with gzip.open(REGIONS, "rt", encoding="utf-8") as f:
        return {r["code"]: r["name"] for r in csv.DictReader(f, delimiter="\t")}


def _cost(spot: tuple[float, float], cell: tuple[int, int]) -> float:
    return (spot[0] - cell[0]) ** 2 + (spot[1] - cell[1]) ** 2


def improve(
    spots: dict[str, tuple[float, float]],
    taken: dict[str, tuple[int, int]],
    free: set[tuple[int, int]],
) -> None:
    """Move an area to a free cell, or swap two areas, while that lowers the sum of squared
    distances between seats and cells (the greedy first pass can leave crossings)."""
    codes = sorted(taken)
    better = True
    while better:
        better = False
        for a in codes:
            here = _cost(spots[a], taken[a])
            best = min(sorted(free), key=lambda cell: _cost(spots[a], cell), default=None)
            if best is not None and _cost(spots[a], best) < here - 1e-9:
                free.add(taken[a])
                free.discard(best)
                taken[a] = best
                better = True
            for b in codes:
                if b <= a:
                    continue
                now = _cost(spots[a], taken[a]) + _cost(spots[b], taken[b])
                if _cost(spots[a], taken[b]) + _cost(spots[b], taken[a]) < now - 1e-9:
                    taken[a], taken[b] = taken[b], taken[a]
                    better = True


def layout(points: dict[str, Point]) -> dict[str, tuple[int, int]]:
    """Grid cells (row, column, from 1) for points given as (longitude, latitude)."""
    if not points:
        return {}
    mean_lat = sum(p[1] for p in points.values()) / len(points)
    scale = math.cos(math.radians(mean_lat))
    xy = {c: (p[0] * scale, -p[1]) for c, p in points.items()}
    xs, ys = [p[0] for p in xy.values()], [p[1] for p in xy.values()]
    width, height = max(xs) - min(xs), max(ys) - min(ys)
    n = len(xy)
    cell = math.sqrt(max(width * height, 1e-6) / (2 * n)) or 1.0
    cell = max(cell, width / (MAX_COLS - 1) if MAX_COLS > 1 else width, 1e-3)
    if n > 1 and max(width, height) > 0:
        cell = min(cell, max(width, height))  # two areas never share one cell
    cols = min(MAX_COLS, int(width / cell) + 2)
    rows = int(height / cell) + 2
    while cols * rows < n:  # room for every area
        rows += 1
    spots = {c: ((p[1] - min(ys)) / cell, (p[0] - min(xs)) / cell) for c, p in xy.items()}
    free = {(r, c) for r in range(rows) for c in range(cols)}
    taken: dict[str, tuple[int, int]] = {}
    pairs = sorted(
        ((s[0] - r) ** 2 + (s[1] - c) ** 2, code, (r, c))
        for code, s in spots.items()
        for r, c in free
    )
    for _distance, code, spot in pairs:
        if code not in taken and spot in free:
            taken[code] = spot
            free.discard(spot)
    improve(spots, taken, free)
    used_rows = sorted({r for r, _c in taken.values()})
    used_cols = sorted({c for _r, c in taken.values()})
    return {
        code: (used_rows.index(r) + 1, used_cols.index(c) + 1) for code, (r, c) in taken.items()
    }


def build(seats: dict[str, Point], regions: dict[str, str]) -> list[tuple[str, int, int]]:
    children: dict[str, list[str]] = defaultdict(list)
    for code in regions:
        if len(code) in (4, 6):
            children[code[: len(code) - 2]].append(code)

    def seat(code: str) -> Point | None:
        found = seats.get(ALIASES.get(code, code))
        if found is None and len(code) == 4:  # 省直辖县级行政区划: the middle of its counties
            known = [seats[c] for c in children.get(code, []) if c in seats]
            if known:
                found = (
                    sum(p[0] for p in known) / len(known),
                    sum(p[1] for p in known) / len(known),
                )
        return found

    out = []
    for parent in sorted(children):
        points = {c: p for c in children[parent] if (p := seat(c)) is not None}
        for code, (row, col) in sorted(layout(points).items()):
            out.append((code, row, col))
    return out


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    rows = build(read_seats(Path(sys.argv[1])), read_regions())
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="\n") as f:
        f.write("code\trow\tcol\n")
        for code, row, col in rows:
            f.write(f"{code}\t{row}\t{col}\n")
    print(f"{len(rows)} places written to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
