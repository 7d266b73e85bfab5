"""Domain signals (blinker), sent inside the sender's transaction before it commits.

Receivers must not commit; they add their own rows to the same session, so the event
and its consequences land together or not at all.
"""

from blinker import Namespace

_signals = Namespace()

# sender: None; kwargs: person_id, old_org_id, new_org_id
membership_changed = _signals.signal("membership-changed")
# sender: None; kwargs: person_id (a position was added, ended, changed or removed)
positions_changed = _signals.signal("positions-changed")
# sender: None; kwargs: source_id, target_id (region A is being merged into region B and
# will be deleted: what lies in A moves to B, through the ORM so change listeners see it).
# Receivers return the number of their rows they moved (a description of it, for the log).
region_merging = _signals.signal("region-merging")
# sender: None; kwargs: list_id (a person list is about to be deleted)
list_removed = _signals.signal("list-removed")
# sender: None; kwargs: org_id (an organisation is about to be dissolved). Receivers return
# (rows, message): a SELECT of what still lives in it (current cadres) and a function of
# their number saying so. It is dissolved only while every such SELECT is empty, checked
# again in the UPDATE itself, so a row added meanwhile wins.
org_dissolving = _signals.signal("org-dissolving")
