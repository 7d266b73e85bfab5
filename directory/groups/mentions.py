"""@mentions as people write them: a name, never a number.

Authors see and type `@李明`. The autocomplete also sends the id of each person picked, in
hidden `mention` fields, so two people who share a name stay apart. Before a post is
stored, every typed mention is made canonical, `@李明#12` (the form `core/markdown.py`
links and `mention_ids` reads), and the edit form turns it back into names with the ids
hidden again. So stored posts, search and re-rendering work as before, and no author ever
has to read or type an id. (A canonical `@name#id` typed by hand is still accepted.)

Who a typed `@name` means, for each one in the text, in order:
1. a person picked for it in the autocomplete (the first not yet used of that name);
2. otherwise the one active person with the longest name the text starts with;
3. of several namesakes, the one who belongs to the group; if that does not settle it,
   nobody: the text stays plain and no one is notified rather than the wrong person.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import select

from directory.core import markdown
from directory.core.numbers import parse_id, parse_int
from directory.extensions import db
from directory.groups.models import Group, GroupMember
from directory.people.models import Person

MAX_PICKED = 50
NAME_MAX = 40
# What can follow "@" in a mention: the characters core/markdown.py allows in a name.
_AFTER_AT = re.compile(r"[^\s@#\[\]()<>*_`\\]{1," + str(NAME_MAX) + "}")


def picked_ids(values: Iterable[object]) -> list[int]:
    """The ids sent in hidden `mention` fields (bad ones dropped), in order."""
    ids = []
    for raw in list(values)[:MAX_PICKED]:
        pid = parse_id(raw)
        if pid is not None:
            ids.append(pid)
    return ids


def shown(body: str) -> tuple[str, list[int]]:
    """A stored body as its author edits it: names only, and the ids in text order."""
    ids: list[int] = []

    def name_only(m: re.Match[str]) -> str:
        ids.append(int(m.group(2)))
        return f"@{m.group(1)}"

    return markdown.MENTION.sub(name_only, body), ids


def _ends_word(text: str, end: int) -> bool:
    """A Latin name must end where a word ends (@Tom is not @Tommy); Chinese has no spaces."""
    if end >= len(text):
        return True
    return not (text[end - 1].isascii() and text[end - 1].isalnum() and text[end].isalnum())


def canonical(body: str, picked: Sequence[int], group: Group | None) -> str:
    """`body` with each typed `@name` that can be told apart written `@name#id`."""
    starts = [
        m
        for m in re.finditer("@", body)
        if markdown.MENTION.match(body, m.start()) is None  # already `@name#id`
    ][:MAX_PICKED]
    if not starts:
        return body
    tails = {}
    for m in starts:
        after = _AFTER_AT.match(body, m.start() + 1)
        if after:
            tails[m.start()] = after.group(0)
    if not tails:
        return body
    prefixes = {t[:k] for t in tails.values() for k in range(1, len(t) + 1)}
    people = db.session.execute(
        select(Person.id, Person.name).where(Person.is_active_account, Person.name.in_(prefixes))
    ).all()
    by_name: dict[str, list[int]] = defaultdict(list)
    for pid, name in people:
        by_name[name].append(pid)
    queue: dict[str, list[int]] = defaultdict(list)  # picked, per name, in order
    names_of = {pid: name for pid, name in people}
    for pid in picked:
        if pid in names_of:
            queue[names_of[pid]].append(pid)
    members: set[int] = set()
    ambiguous = [pids for pids in by_name.values() if len(pids) > 1]
    if group is not None and ambiguous:
        members = set(
            db.session.scalars(
                select(GroupMember.person_id).where(
                    GroupMember.group_id == group.id,
                    GroupMember.person_id.in_([p for pids in ambiguous for p in pids]),
                )
            )
        )

    out: list[str] = []
    last = 0
    for start, tail in sorted(tails.items()):
        chosen = _choose(body, start, tail, queue, by_name, members)
        if chosen is None:
            continue
        name, pid = chosen
        end = start + 1 + len(name)
        out.append(body[last:end])
        # A digit right after the id would read as part of it: a space keeps them apart.
        next_is_digit = parse_int(body[end : end + 1], 9, 0) is not None
        out.append(f"#{pid} " if next_is_digit else f"#{pid}")
        last = end
    out.append(body[last:])
    return "".join(out)


def _choose(
    body: str,
    start: int,
    tail: str,
    queue: dict[str, list[int]],
    by_name: dict[str, list[int]],
    members: set[int],
) -> tuple[str, int] | None:
    """The (name, id) a typed mention at `start` means, or None."""
    names = sorted(
        (n for n in by_name if tail.startswith(n) and _ends_word(body, start + 1 + len(n))),
        key=len,
        reverse=True,
    )
    for name in names:  # a name picked in the autocomplete first, the longest first
        if queue.get(name):
            return name, queue[name].pop(0)
    if not names:
        return None
    name = names[0]
    pids = by_name[name]
    if len(pids) == 1:
        return name, pids[0]
    in_group = [p for p in pids if p in members]
    if len(in_group) == 1:
        return name, in_group[0]
    return None
