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
# sender: None; kwargs: list_id (a person list is about to be deleted)
list_removed = _signals.signal("list-removed")
