"""What a search returns, and facet counting over document-number sets."""

from __future__ import annotations

from dataclasses import dataclass, field

# Division code lengths: province 2, city 4, county 6, township 9, village 12.
_NEXT_LEVEL = {0: 2, 2: 4, 4: 6, 6: 9, 9: 12}


def next_region_length(code: str) -> int | None:
    """Length of the codes one level below `code` ("" = provinces)."""
    return _NEXT_LEVEL.get(len(code))


@dataclass
class Result:
    """Keys of the requested page in order, the total, and {facet: {value: count}}."""

    keys: list[int]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
