"""The person picker: how a person is shown in the one autocomplete (web/picker.py)."""

from __future__ import annotations

from directory.people.models import Person
from directory.web.picker import Choice


def person_choice(person: Person) -> Choice:
    """How a picker shows a person: the name, told apart by their organisation."""
    org = person.membership_org
    return Choice(person.id, person.name, org.name if org else "")
