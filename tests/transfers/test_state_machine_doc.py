"""docs/TRANSFERS.md and the state machine say the same thing."""

from __future__ import annotations

import re
from pathlib import Path

from directory.transfers.models import OPEN_STATES, TransferState
from directory.transfers.services import TRANSITIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "TRANSFERS.md"


def _documented_edges() -> set[tuple[str, str]]:
    edges: set[tuple[str, str]] = set()
    state = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\| `(\w+)` \|", line)
        if m:
            state = m.group(1)
        elif not line.startswith("| |"):
            if not line.startswith("|"):
                state = None
            continue
        if state:
            edges |= {(state, target) for target in re.findall(r"→ `(\w+)`", line)}
    return edges


def test_doc_table_matches_transitions():
    code = {(s.value, tr.target.value) for tr in TRANSITIONS.values() for s in tr.sources}
    assert _documented_edges() == code


def test_every_state_is_documented_and_terminal_ones_have_no_exit():
    text = DOC.read_text(encoding="utf-8")
    for state in TransferState:
        assert f"| `{state.value}` |" in text
    exits = {s for tr in TRANSITIONS.values() for s in tr.sources}
    assert exits == set(OPEN_STATES)
