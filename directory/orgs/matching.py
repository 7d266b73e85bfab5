"""Finding organisations by what users know: a part of the name, its pinyin or initials,
or the names above it ("成都 三合村" finds the 三合村团支部 under 共青团成都市委).

Every word typed must match the organisation's own name or one of its ancestors' names:
Han characters as a substring, Latin letters as the pinyin or the initials of the name
from any syllable on ("nanchong", "ncs" and "sw" all find 共青团南充市委). Organisations
whose own name matches every word come before those found through their path.

The tree has no pinyin column: the pinyin of each distinct name is computed once per
process (a name never changes its reading). Each process keeps the tree as (id, name,
path) rows for TREE_SECONDS, and forgets it at once when it writes an organisation
itself: a picker answers per keystroke, and reading 17,500 organisations for each answer
cost 100-230 ms (600 ms with pinyin) at 100,000 cadres. A word is matched once per copy
(the organisations whose own name matches it, and everything below them through the
children index), so an answer is a few set intersections. An organisation created, renamed,
moved or dissolved by another process shows in its suggestions within TREE_SECONDS; what
is picked is read again and checked by the service that uses it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple
from weakref import WeakKeyDictionary

from flask import g, has_app_context
from pypinyin import Style, lazy_pinyin
from sqlalchemy import event, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, joinedload

from directory.core.enums import OrgLevel
from directory.extensions import db
from directory.orgs.models import Organisation

MAX_WORDS = 4
# How long a process answers pickers from its copy of the tree (see the module).
TREE_SECONDS = 10.0


def _latin(chunk: str) -> str:
    """A non-Han run kept as lower-case letters and digits, one "syllable"."""
    return "".join(c for c in chunk.lower() if c.isascii() and c.isalnum())


@lru_cache(maxsize=65536)
def name_readings(name: str) -> tuple[str, ...]:
    """Latin strings the name can be typed as from each syllable on: full pinyin and
    initials ("共青团南充市委" → gongqingtuannanchongshiwei, ..., gqtncsw, ..., w)."""
    syllables = [s for s in lazy_pinyin(name, style=Style.NORMAL, errors=_latin) if s]
    forms = []
    for i in range(len(syllables)):
        forms.append("".join(syllables[i:]))
        forms.append("".join(s[0] for s in syllables[i:]))
    return tuple(dict.fromkeys(forms))


def _word_matches(word: str, name: str) -> bool:
    if word in name.lower():
        return True
    if word.isascii() and word.isalnum():
        return any(form.startswith(word) for form in name_readings(name))
    return False


def own_name_matches(text: str, name: str) -> bool:
    """Every word of `text` matches the name itself (not only the names above it)."""
    words = [w.lower() for w in text.split()][:MAX_WORDS]
    return bool(words) and all(_word_matches(w, name) for w in words)


class _Row(NamedTuple):  # a tuple: 17,500 of them are built at each read of the tree
    id: int
    name: str
    path: str
    level: OrgLevel
    live: bool
    chain: tuple[int, ...]  # ids from the root down to this organisation


@dataclass
class _Tree:
    """Every organisation (dissolved ones too) as read at `taken`, and what typed words
    matched in it (at most 256 words kept)."""

    rows: dict[int, _Row]
    taken: float
    names: dict[int, str] = field(init=False)
    children: dict[int, list[int]] = field(init=False)
    own: dict[str, frozenset[int]] = field(default_factory=dict)
    reached: dict[str, frozenset[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.names = {i: r.name for i, r in self.rows.items()}
        self.children = {}
        for r in self.rows.values():
            if len(r.chain) > 1:
                self.children.setdefault(r.chain[-2], []).append(r.id)

    def matching(self, word: str) -> frozenset[int]:
        """Ids of the organisations whose own name matches `word`."""
        ids = self.own.get(word)
        if ids is None:
            if len(self.own) >= 256:
                self.own.clear()
            ids = frozenset(i for i, r in self.rows.items() if _word_matches(word, r.name))
            self.own[word] = ids
        return ids

    def reach(self, word: str) -> frozenset[int]:
        """Ids of the organisations whose own name or an ancestor's name matches `word`."""
        ids = self.reached.get(word)
        if ids is None:
            if len(self.reached) >= 256:
                self.reached.clear()
            found: set[int] = set()
            todo = list(self.matching(word))
            while todo:
                i = todo.pop()
                if i not in found:
                    found.add(i)
                    todo.extend(self.children.get(i, ()))
            ids = self.reached[word] = frozenset(found)
        return ids


_trees: WeakKeyDictionary[Engine, _Tree] = WeakKeyDictionary()


def _tree() -> _Tree:
    """This process's copy of the tree, read again when older than TREE_SECONDS."""
    tree = _trees.get(db.engine)
    now = time.monotonic()
    if tree is None or now - tree.taken > TREE_SECONDS:
        result = db.session.execute(
            select(
                Organisation.id,
                Organisation.name,
                Organisation.path,
                Organisation.level,
                Organisation.dissolved_at,
            )
        )
        rows = {
            oid: _Row(
                oid, name, path, level, gone is None, tuple(map(int, filter(None, path.split("/"))))
            )
            for oid, name, path, level, gone in result
        }
        tree = _trees[db.engine] = _Tree(rows, now)
    return tree


@event.listens_for(Session, "after_flush")
def _forget_after_flush(session: Session, _flush: UOWTransaction) -> None:
    """This process wrote an organisation through the ORM: read the tree again."""
    touched = (*session.new, *session.dirty, *session.deleted)
    if any(isinstance(o, Organisation) for o in touched):
        _trees.clear()


@event.listens_for(Session, "do_orm_execute")
def _forget_after_bulk(state: ORMExecuteState) -> None:
    """The same for bulk INSERT, UPDATE and DELETE statements on organisations."""
    if not state.is_select and any(m.class_ is Organisation for m in state.all_mappers):
        _trees.clear()


def find_orgs(
    text: str,
    *,
    limit: int = 15,
    under: Organisation | None = None,
    level: OrgLevel | None = None,
    include_dissolved: bool = False,
) -> list[Organisation]:
    """Organisations matching every word of `text` (see the module), best first.

    `under` keeps those strictly below an organisation, `level` those of one level;
    dissolved organisations only with `include_dissolved`.
    """
    words = [w.lower() for w in " ".join(text.split())[:100].split()][:MAX_WORDS]
    if not words:
        return []
    tree = _tree()
    if has_app_context():
        g.org_names = tree.names  # org_paths reuses them for the options' paths
    unique = list(dict.fromkeys(words))
    own_sets = [tree.matching(w) for w in unique]
    # Every word matches the own name or the name of an organisation above.
    matches = frozenset.intersection(*(tree.reach(w) for w in unique))
    whole = " ".join(text.split())
    ranked: list[tuple[tuple[int, int, int, int], int]] = []
    for oid in matches:
        r = tree.rows[oid]
        if not (r.live or include_dissolved) or (level is not None and r.level != level):
            continue
        if under is not None and (r.id == under.id or not r.path.startswith(under.path)):
            continue
        own = sum(oid in ids for ids in own_sets)
        tier = 0 if r.name == whole else 1 if own == len(own_sets) else 2
        ranked.append(((tier, len(r.chain), len(r.name), r.id), r.id))
    ranked.sort()
    ids = [i for _key, i in ranked[:limit]]
    if not ids:
        return []
    found = {
        o.id: o
        for o in db.session.scalars(
            select(Organisation)
            .options(joinedload(Organisation.region), joinedload(Organisation.parent))
            .where(Organisation.id.in_(ids))
        ).unique()
    }
    return [found[i] for i in ids if i in found]


def org_paths(orgs: Iterable[Organisation]) -> dict[int, str]:
    """ "共青团四川省委 › 共青团南充市委" above each organisation (one query)."""
    chains = {o.id: o.ancestor_ids[:-1] for o in orgs}
    ids = {i for chain in chains.values() for i in chain}
    if not ids:
        return {}
    known: dict[int, str] = g.pop("org_names", {}) if has_app_context() else {}
    if ids <= known.keys():  # just read by find_orgs (taken once, so never stale later)
        names = known
    else:
        names = dict(
            db.session.execute(
                select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
            ).all()
        )
    return {
        oid: " › ".join(names[i] for i in chain if i in names)
        for oid, chain in chains.items()
        if chain
    }
