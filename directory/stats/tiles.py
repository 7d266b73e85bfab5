"""The tile map: each area a square at its approximate place; no boundaries are shipped.

Maps published in China need a review number (审图号), and no redistributable package
with current boundaries exists, so the map is a grid of tiles. Provinces sit on a
hand-made grid (PROVINCE_TILES: code -> (row, column), drawn from the usual tile maps of
China and checked against a map); prefectures within their province and counties within
their prefecture sit where `scripts/build_tiles.py` put them from the seats of the
divisions (data/tiles.tsv, see data/README.md). Areas without a place (development zones
added after the seats were published, villages) follow the placed ones in code order.
A deployment with its own reviewed GeoJSON registers it (docs/DEPLOY.md); the tiles stay
as the map without JavaScript.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PROVINCE_TILES = {
    "23": (1, 10), "65": (2, 2), "15": (2, 7), "22": (2, 10), "62": (3, 5), "64": (3, 6),
    "14": (3, 7), "11": (3, 8), "21": (3, 9), "63": (4, 4), "61": (4, 6), "13": (4, 7),
    "12": (4, 8), "54": (5, 2), "51": (5, 4), "50": (5, 5), "41": (5, 6), "37": (5, 7),
    "52": (6, 4), "42": (6, 5), "34": (6, 6), "32": (6, 7), "31": (6, 8), "53": (7, 3),
    "43": (7, 5), "36": (7, 6), "33": (7, 7), "45": (8, 4), "44": (8, 5), "35": (8, 6),
    "71": (8, 8), "46": (9, 4), "82": (9, 5), "81": (9, 6),
}  # fmt: skip
HEAT_STEPS = 5
MAX_ROWS = 16  # the stylesheet's tile-r1 .. tile-r16 (and tile-c1 .. tile-c10, cols-1 .. 10)
MAX_COLS = 10
DATA = Path(__file__).resolve().parent / "data" / "tiles.tsv"


@cache
def places() -> dict[str, tuple[int, int]]:
    """Every known place: region code -> (row, column), both from 1."""
    found = dict(PROVINCE_TILES)
    with DATA.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            found[row["code"]] = (int(row["row"]), int(row["col"]))
    return found


@dataclass
class Tile:
    code: str
    name: str
    count: int
    heat: int  # 0 (none) .. HEAT_STEPS
    row: int | None
    col: int | None
    url: str | None


@dataclass
class TileMap:
    tiles: list[Tile]
    cols: int  # 0: not placed (the tiles flow in code order)

    @property
    def placed(self) -> bool:
        return self.cols > 0


def tile_map(areas: list[tuple[str, str]], counts: dict[str, int], urls: dict[str, str]) -> TileMap:
    """The tiles of `areas` (code, name; every area below, counted or not), coloured by
    `counts` (code -> cadres) and linking to `urls` (code -> the drill-down)."""
    top = max(counts.values(), default=0)
    known = places()
    tiles = []
    for code, name in sorted(areas):
        n = counts.get(code, 0)
        heat = 0 if not n or not top else max(1, round(HEAT_STEPS * n / top))
        tiles.append(Tile(code, name, n, heat, None, None, urls.get(code)))
    placed = [(t, known[t.code]) for t in tiles if t.code in known]
    if not placed:
        return TileMap(tiles, 0)
    # Only the rows and columns that hold a tile of this map (a province's prefectures use
    # part of the grid when some have no place, or when the map is the provinces).
    rows = sorted({r for _t, (r, _c) in placed})
    cols = sorted({c for _t, (_r, c) in placed})
    width = len(cols)
    for tile, (r, c) in placed:
        tile.row, tile.col = rows.index(r) + 1, cols.index(c) + 1
    next_row = len(rows) + 1
    unplaced = [t for t in tiles if t.row is None]
    for i, tile in enumerate(unplaced):
        tile.row, tile.col = next_row + i // width, i % width + 1
    if width > MAX_COLS or max((t.row or 0) for t in tiles) > MAX_ROWS:
        for tile in tiles:
            tile.row = tile.col = None
        return TileMap(tiles, 0)
    return TileMap(tiles, width)
