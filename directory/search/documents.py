"""Search documents: a neutral shape every backend indexes, and the people document type.

A document type (see docs/SEARCH.md) says which row changes concern it (`watch`),
which of its documents a change affects (`expand`) and how to build documents (`load`).
Contact fields (phone, e-mail, WeChat) are never part of a document.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy import inspect, or_, select
from sqlalchemy.orm import Session

from directory.core import text
from directory.orgs.models import Organisation
from directory.people.models import Person, Position
from directory.regions.models import Region


@dataclass
class Doc:
    """One indexed document; everything here is searchable or filterable by any viewer."""

    key: int
    names: list[str]  # exact Han tokens, weighted highest (names)
    pinyin: list[str]  # Latin forms matched by prefix
    org_text: str  # current organisations, positions, regions: segmented
    body: str  # free text (bio): segmented
    filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = ""
    org_past: str = ""  # former organisations, positions, regions: segmented, ranked lower

    @property
    def digest(self) -> str:
        """A fingerprint of the content, to find drift between database and index."""
        raw = json.dumps(
            [
                self.names,
                self.pinyin,
                self.org_text,
                self.body,
                self.filters,
                self.sort,
                self.org_past,
            ],
            ensure_ascii=False,
            sort_keys=True,
        )
        return hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()


class DocumentType(Protocol):
    """What the outbox, the drainer and the backends need from a kind of document."""

    name: str
    facets: tuple[str, ...]

    def watch(self, obj: object, state: str) -> list[tuple[str, int]]: ...
    def expand(self, session: Session, source: str, keys: set[int]) -> set[int]: ...
    def load(self, session: Session, keys: set[int]) -> dict[int, Doc]: ...
    def all_keys(self, session: Session, batch: int) -> Iterator[list[int]]: ...


_PERSON_FIELDS = (
    "name",
    "bio",
    "political_status",
    "cadre_kind",
    "establishment",
    "membership_org_id",
    "is_active_account",
)


def changed(obj: object, names: tuple[str, ...]) -> bool:
    """True when any of the named attributes of `obj` changed in this flush."""
    attrs = inspect(obj).attrs
    return any(attrs[n].history.has_changes() for n in names)


def id_batches(session: Session, column: Any, batch: int) -> Iterator[list[int]]:
    """Every value of an integer key column, ascending, in batches (keyset pagination)."""
    last = 0
    while True:
        ids = list(
            session.scalars(select(column).where(column > last).order_by(column).limit(batch))
        )
        if not ids:
            return
        yield ids
        last = ids[-1]


class PersonDocuments:
    """One document per person (cadre)."""

    name = "person"
    facets: tuple[str, ...] = ("sector", "kind", "est", "pol", "status")

    def watch(self, obj: object, state: str) -> list[tuple[str, int]]:
        """Outbox entries for one changed row."""
        new = state != "dirty"
        if isinstance(obj, Person) and (new or changed(obj, _PERSON_FIELDS)):
            return [("person", obj.id)]
        if isinstance(obj, Position):
            ids = {obj.person_id}
            hist = inspect(obj).attrs["person_id"].history
            ids.update(i for i in (hist.deleted or ()) if i)
            return [("person", i) for i in ids if i]
        if isinstance(obj, Organisation) and (
            new or changed(obj, ("name", "region_id", "path", "sector", "parent_id"))
        ):
            return [("org", obj.id)]
        if isinstance(obj, Region) and (new or changed(obj, ("name", "code", "parent_id"))):
            return [("region", obj.id)]
        return []

    def expand(self, session: Session, source: str, keys: set[int]) -> set[int]:
        """Person ids affected by changes of `source` rows `keys`."""
        if source == "person":
            return set(keys)
        if source == "all":
            return {k for batch in self.all_keys(session, 50_000) for k in batch}
        if source == "region":
            codes = session.scalars(select(Region.code).where(Region.id.in_(keys))).all()
            if not codes:
                return set()
            org_ids = (
                select(Organisation.id)
                .join(Region)
                .where(or_(*[Region.code.startswith(c) for c in codes]))
            )
        elif source == "org":
            paths = session.scalars(select(Organisation.path).where(Organisation.id.in_(keys)))
            conds = [Organisation.path.startswith(p) for p in paths if p]
            conds.append(Organisation.id.in_(keys))
            org_ids = select(Organisation.id).where(or_(*conds))
        else:
            return set()
        people = session.scalars(
            select(Position.person_id).where(
                Position.organisation_id.in_(org_ids), Position.grants_access
            )
        ).all()
        members = session.scalars(select(Person.id).where(Person.membership_org_id.in_(org_ids)))
        return set(people) | set(members)

    def all_keys(self, session: Session, batch: int) -> Iterator[list[int]]:
        """Every person id, in batches."""
        return id_batches(session, Person.id, batch)

    def load(self, session: Session, keys: set[int]) -> dict[int, Doc]:
        """Documents for the people among `keys` that exist (four queries per batch)."""
        if not keys:
            return {}
        people = session.execute(
            select(
                Person.id,
                Person.name,
                Person.bio,
                Person.political_status,
                Person.cadre_kind,
                Person.establishment,
                Person.membership_org_id,
                Person.is_active_account,
            ).where(Person.id.in_(keys))
        ).all()
        positions: dict[int, list[Any]] = defaultdict(list)
        for row in session.execute(
            select(
                Position.person_id,
                Position.organisation_id,
                Position.title,
                Position.end_date,
                # Only confirmed posts are indexed: a claim must not put anyone in an org filter.
            ).where(Position.person_id.in_(keys), Position.grants_access)
        ):
            positions[row.person_id].append(row)
        org_ids = {p.organisation_id for rows in positions.values() for p in rows}
        org_ids |= {p.membership_org_id for p in people if p.membership_org_id}
        orgs = _OrgInfo.load(session, org_ids)
        return {p.id: self._doc(p, positions[p.id], orgs) for p in people}

    def _doc(self, p: Any, positions: list[Any], orgs: _OrgInfo) -> Doc:
        filters: dict[str, set[str]] = defaultdict(set)
        words: dict[str, list[str]] = {"cur": [], "past": []}
        org_names: list[str] = []
        current = [x for x in positions if x.end_date is None]
        past = [x for x in positions if x.end_date is not None]
        cur_orgs = [x.organisation_id for x in current]
        if p.membership_org_id and p.membership_org_id not in cur_orgs and not past:
            cur_orgs.append(p.membership_org_id)
        for when, org_list, rows in (
            ("cur", cur_orgs, current),
            ("past", [x.organisation_id for x in past], past),
        ):
            for org_id in org_list:
                info = orgs.get(org_id)
                if info is None:
                    continue
                filters[f"org_{when}"].update(info["ancestors"])
                filters[f"reg_{when}"].update(info["codes"])
                # Exact organisation and its parent: closeness to the viewer (ranking).
                filters[f"at_{when}"].add(str(org_id))
                if when == "cur" and info["parent"]:
                    filters["up_cur"].add(info["parent"])
                if info["sector"] and when == "cur":
                    filters["sector"].add(info["sector"])
                words[when] += [info["name"], *info["region_names"]]
                if when == "cur":
                    org_names.append(info["name"])
            words[when] += [x.title for x in rows]
        if past and not current:
            # Sector of a former cadre: where they served.
            for x in past:
                info = orgs.get(x.organisation_id)
                if info and info["sector"]:
                    filters["sector"].add(info["sector"])
        filters["org"] = filters["org_cur"] | filters["org_past"]
        filters["reg"] = filters["reg_cur"] | filters["reg_past"]
        filters["status"] = {s for s, rows in (("current", current), ("former", past)) if rows}
        for name, value in (
            ("kind", p.cadre_kind),
            ("est", p.establishment),
            ("pol", p.political_status),
        ):
            if value is not None:
                filters[name].add(str(value.value if hasattr(value, "value") else value))
        filters["active"] = {"1" if p.is_active_account else "0"}
        py = text.name_pinyin(p.name)
        return Doc(
            key=p.id,
            names=text.name_tokens(p.name) + text.org_name_tokens(org_names),
            pinyin=text.pinyin_forms(p.name),
            org_text=" ".join(words["cur"]),
            org_past=" ".join(words["past"]),
            body=p.bio or "",
            filters={k: sorted(v) for k, v in filters.items() if v},
            # The key breaks ties the same way on every backend.
            sort=f"{py} {text.normalise(p.name)} {p.id:010d}",
        )


class _OrgInfo(dict[int, dict[str, Any]]):
    """Organisations with their ancestor ids, region codes (with ancestors) and region names."""

    @classmethod
    def load(cls, session: Session, org_ids: set[int]) -> _OrgInfo:
        info = cls()
        if not org_ids:
            return info
        rows = session.execute(
            select(
                Organisation.id,
                Organisation.name,
                Organisation.path,
                Organisation.sector,
                Region.code,
            )
            .join(Region, Organisation.region_id == Region.id)
            .where(Organisation.id.in_(org_ids))
        ).all()
        codes = {r.code[:n] for r in rows for n in (2, 4, 6, 9, 12) if n <= len(r.code)}
        rows_ = session.execute(select(Region.code, Region.name).where(Region.code.in_(codes)))
        names = {c: n for c, n in rows_}
        for r in rows:
            chain = [r.code[:n] for n in (2, 4, 6, 9, 12) if n <= len(r.code)]
            ancestors = [a for a in r.path.strip("/").split("/") if a] or [str(r.id)]
            parent = ancestors[-2] if len(ancestors) > 1 and ancestors[-1] == str(r.id) else ""
            info[r.id] = {
                "name": r.name,
                "ancestors": set(ancestors),
                "codes": set(chain),
                "region_names": [names[c] for c in chain if c in names],
                "sector": r.sector.value if r.sector is not None else None,
                "parent": parent,
            }
        return info


DOC_TYPES: dict[str, DocumentType] = {"person": PersonDocuments()}


def register_doc_type(doc_type: DocumentType) -> None:
    """Add a document type (groups' posts); the outbox and both backends pick it up."""
    DOC_TYPES[doc_type.name] = doc_type
