"""The one place transfers are written to the audit log (directory/audit).

Transfers write their own append-only history (transfer_event) from several places (single
moves, batches, reminders); every new TransferEvent is mirrored into the audit log in the
same flush, so no path can skip it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from directory.audit import record
from directory.orgs.models import Organisation
from directory.people.models import Person
from directory.transfers.models import Transfer, TransferEvent


def _mirror_transfer_events(session: Session, flush_context: Any, instances: Any) -> None:
    new = [obj for obj in session.new if isinstance(obj, TransferEvent)]
    if not new:
        return
    with session.no_autoflush:
        for ev in new:
            t = ev.transfer if ev.transfer is not None else session.get(Transfer, ev.transfer_id)
            if t is None:
                continue
            actor = ev.actor
            if actor is None and ev.actor_id is not None:
                actor = session.get(Person, ev.actor_id)
            person = t.person if t.person is not None else session.get(Person, t.person_id)
            from_org = t.from_org or session.get(Organisation, t.from_org_id)
            to_org = t.to_org or session.get(Organisation, t.to_org_id)
            record(
                "transfer",
                actor=actor,
                subject_person=person,
                org=from_org,
                details={
                    "step": ev.action.value,
                    "to_state": ev.to_state.value,
                    "to_org": to_org.name if to_org else "",
                    "to_org_id": t.to_org_id,
                },
            )


def connect() -> None:
    """Install the listeners once per process (safe to call for every app)."""
    if not event.contains(Session, "before_flush", _mirror_transfer_events):
        event.listen(Session, "before_flush", _mirror_transfer_events)
