"""The tile map: each area a square at its approximate place; no boundaries are shipped.

Maps published in China need a review number (审图号), and no redistributable package
with current boundaries exists, so the map is a grid of tiles. Provinces sit at their
approximate places (PROVINCE_TILES: code -> (row, column)); below the provincial level
the tiles follow the order of the division codes (no positions are shipped for them).
"""

from __future__ import annotations

from dataclasses import dataclass

PROVINCE_TILES = {
    "23": (1, 10), "65": (2, 2), "15": (2, 7), "22": (2, 10), "62": (3, 5), "64": (3, 6),
    "14": (3, 7), "11": (3, 8), "21": (3, 9), "63": (4, 4), "61": (4, 6), "13": (4, 7),
    "12": (4, 8), "54": (5, 2), "51": (5, 4), "50": (5, 5), "41": (5, 6), "37": (5, 7),
    "52": (6, 4), "42": (6, 5), "34": (6, 6), "32": (6, 7), "31": (6, 8), "53": (7, 3),
    "43": (7, 5), "36": (7, 6), "33": (7, 7), "45": (8, 4), "44": (8, 5), "35": (8, 6),
    "71": (8, 8), "46": (9, 4), "82": (9, 5), "81": (9, 6),
}  # fmt: skip
HEAT_STEPS = 5


@dataclass
class Tile:
    code: str
    name: str
    count: int
    heat: int  # 0 (none) .. HEAT_STEPS
    row: int | None
    col: int | None
    url: str | None


def tiles(rows: list[tuple[str, int]], codes: dict[str, str], urls: dict[str, str]) -> list[Tile]:
    """Tiles for a region table (label, count) with its label -> code map and drill links."""
    top = max((n for _label, n in rows), default=0)
    result = []
    for label, n in rows:
        code = codes.get(label, "")
        heat = 0 if not n or not top else max(1, round(HEAT_STEPS * n / top))
        place = PROVINCE_TILES.get(code) if len(code) == 2 else None
        result.append(
            Tile(code, label, n, heat, place[0] if place else None, place[1] if place else None,
                 urls.get(code))
        )  # fmt: skip
    return result
