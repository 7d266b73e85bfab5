"""Searching people: parse and validate request arguments, query, load rows, apply privacy.

Views and the JSON API both call `search_people`; permission filters are part of the
query (inactive accounts are hidden from non-admins before counting), and contact
fields reach results only through ContactPolicy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import inspect, select
from sqlalchemy.orm import InstanceState, joinedload

from directory.core import text
from directory.core.enums import CadreKind, Establishment, PoliticalStatus, Sector
from directory.core.errors import DomainError
from directory.core.numbers import is_region_code, page_error, parse_id, parse_int
from directory.core.pagination import ListPage
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.people.models import Person, Position
from directory.people.permissions import ContactPolicy
from directory.regions.models import Region
from directory.search import sync
from directory.search.backends import get_backend
from directory.search.query import Query, build

MAX_PAGE = 500
ENUM_FILTERS = {
    "sector": Sector,
    "kind": CadreKind,
    "est": Establishment,
    "pol": PoliticalStatus,
}
STATUSES = ("current", "former")
SORTS = ("relevance", "name")


class BadSearch(DomainError):
    """An unknown filter value: answered with 400 and the message."""

    status = 400


@dataclass
class Params:
    """Validated search arguments, as they appear in the URL."""

    q: str = ""
    region: str = ""
    org: int | None = None
    sector: str = ""
    kind: str = ""
    est: str = ""
    pol: str = ""
    status: str = ""
    sort: str = "relevance"
    page: int = 1

    def url_args(self, **changes: Any) -> dict[str, Any]:
        """Arguments for url_for, without empty ones; `changes` override (page resets)."""
        values = {k: getattr(self, k) for k in self.__dataclass_fields__}
        values["page"] = 1
        values.update(changes)
        defaults = {"page": 1, "sort": "relevance"}
        return {k: v for k, v in values.items() if v not in ("", None) and defaults.get(k) != v}


def parse(args: Mapping[str, str]) -> Params:
    """Read and validate request arguments; unknown filter values raise BadSearch (400)."""
    p = Params(q=(args.get("q") or "")[:500].strip())
    region = (args.get("region") or "").strip()
    if region:
        if not is_region_code(region):
            raise BadSearch(_("未知的地区代码：%(value)s", value=region[:20]))
        p.region = region
    org = (args.get("org") or "").strip()
    if org:
        org_id = parse_id(org)
        if org_id is None:
            raise BadSearch(_("未知的团组织：%(value)s", value=org[:20]))
        p.org = org_id
    for name, enum in ENUM_FILTERS.items():
        value = (args.get(name) or "").strip()
        if value and value not in {m.value for m in enum}:
            raise BadSearch(_("未知的筛选条件：%(value)s", value=value[:20]))
        setattr(p, name, value)
    p.status = (args.get("status") or "").strip()
    if p.status and p.status not in STATUSES:
        raise BadSearch(_("未知的筛选条件：%(value)s", value=p.status[:20]))
    p.sort = (args.get("sort") or "relevance").strip()
    if p.sort not in SORTS:
        raise BadSearch(_("未知的排序方式：%(value)s", value=p.sort[:20]))
    page = (args.get("page") or "1").strip()
    number = parse_int(page, MAX_PAGE)
    if number is None:
        raise BadSearch(page_error(page, MAX_PAGE))
    p.page = number
    return p


@dataclass
class Hit:
    """One person in the results, with what this viewer may see."""

    person: Person
    current: list[Position]
    former: list[Position]
    contacts: dict[str, str]
    context: str = ""  # region path and organisation: tells people of the same name apart
    same_name: bool = False  # another hit on the page has the same name


@dataclass(kw_only=True)
class Page(ListPage[Hit]):
    """A page of results (a ListPage of hits) with facets and the names the template needs."""

    params: Params
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    region_names: dict[str, str] = field(default_factory=dict)
    region_chain: list[str] = field(default_factory=list)
    org: Organisation | None = None
    hint: str = ""

    @property
    def hits(self) -> list[Hit]:
        return self.items


def _load_positions(viewer: Person) -> None:
    """The viewer's positions with their organisations and regions in one query.

    Lazily they cost three round trips (positions, organisations, regions) per search.
    The viewer's admin roles come along when not loaded yet: ContactPolicy and the page's
    export links read them, a fourth round trip otherwise (a viewer has few of each).
    """
    state: InstanceState[Person] = inspect(viewer)
    if not state.persistent or "positions" not in state.unloaded:
        return
    options = [
        joinedload(Person.positions)
        .joinedload(Position.organisation)
        .joinedload(Organisation.region)
    ]
    if "admin_of" in state.unloaded:
        options.append(joinedload(Person.admin_of))
    db.session.scalars(
        select(Person).where(Person.id == viewer.id).options(*options)
    ).unique().all()


def viewer_orgs(viewer: Person) -> tuple[list[Organisation], list[Organisation]]:
    """The viewer's current and former organisations (as their search document counts them)."""
    _load_positions(viewer)
    current = [pos.organisation for pos in viewer.current_positions]
    former = [pos.organisation for pos in viewer.past_positions]
    if not current and not former and viewer.membership_org is not None:
        current = [viewer.membership_org]
    return current, former


def near_groups(viewer: Person) -> list[dict[str, list[str]]]:
    """Closeness to the viewer, closest first (docs/SEARCH.md "Ranking").

    Same organisation; its parent and children; the same region subtree (the county, or
    the organisation's own region when that is higher); a shared past organisation.
    """
    current, former = viewer_orgs(viewer)
    if not current and not former:
        return []
    here = sorted({str(o.id) for o in current})
    parents = sorted({str(o.parent_id) for o in current if o.parent_id})
    codes = sorted({o.region.code[:6] for o in current if o.region is not None})
    every = sorted({str(o.id) for o in current + former})
    groups = [
        {"at_cur": here},
        {"at_cur": parents, "up_cur": here},
        {"reg_cur": codes},
        {"at_cur": sorted({str(o.id) for o in former}), "at_past": every},
    ]
    return [{k: v for k, v in g.items() if v} for g in groups]


def _query(viewer: Person, p: Params, per_page: int) -> Query:
    tree, words, tiers = build(p.q)
    scope = {"current": "_cur", "former": "_past"}.get(p.status, "")
    filters: dict[str, list[str]] = {}
    if not viewer.is_admin:
        filters["active"] = ["1"]
    if p.region:
        filters[f"reg{scope}"] = [p.region]
    if p.org is not None:
        filters[f"org{scope}"] = [str(p.org)]
    for name in ENUM_FILTERS:
        if getattr(p, name):
            filters[name] = [getattr(p, name)]
    if p.status:
        filters["status"] = [p.status]
    return Query(
        tree=tree,
        filters=filters,
        facets=("sector", "kind", "est", "pol", "status"),
        region_facet=(f"reg{scope}", p.region) if len(p.region) < 12 else None,
        sort=p.sort,
        page=p.page,
        per_page=per_page,
        words=words,
        tiers=tiers,
        near=near_groups(viewer) if tree is not None and p.sort == "relevance" else [],
    )


def search_people(viewer: Person, p: Params, per_page: int = 20) -> Page:
    """Run a search for `viewer`: one index query, then about five statements (SEARCH.md)."""
    if sync.pending(db.session):
        sync.drain_quietly()
    q = _query(viewer, p, per_page)
    hint = ""
    if p.q and q.tree is None:
        hint = _("请输入姓名、拼音、组织或职务中的文字或字母。")
        return Page([], 0, p.page, per_page, params=p, hint=hint, org=_org(p))
    result = get_backend().search("person", q)
    people = _load(result.keys)
    policy = ContactPolicy(viewer, people)
    words = [w for w in q.words if text.is_han(w)]
    hits = [_hit(person, policy, words, p) for person in people]
    codes = set(result.facets.get("region", {}))
    chain = [p.region[:n] for n in (2, 4, 6, 9, 12) if n <= len(p.region)]
    names = _region_names(codes | set(chain) | _context_codes(hits))
    _tell_apart(hits, names)
    if result.total == 0:
        hint = _("没有找到匹配的人。试试更短的关键词、拼音首字母，或去掉一些筛选条件。")
    if p.region and p.region not in names:
        raise BadSearch(_("未知的地区代码：%(value)s", value=p.region))
    return Page(
        hits,
        result.total,
        p.page,
        per_page,
        params=p,
        facets=result.facets,
        region_names=names,
        region_chain=chain,
        org=_org(p),
        hint=hint,
    )


def _org(p: Params) -> Organisation | None:
    if p.org is None:
        return None
    org = db.session.get(Organisation, p.org)
    if org is None:
        raise BadSearch(_("未知的团组织：%(value)s", value=str(p.org)))
    return org


def _load(keys: list[int]) -> list[Person]:
    """The page's people with their posts, organisations and regions: one statement.

    Positions are joined rather than selected by a second statement (a page has about 20
    people with a few posts each), and the membership organisation's region is joined
    too: `_main_org` reads it for people without posts.
    """
    if not keys:
        return []
    rows = (
        db.session.scalars(
            select(Person)
            .where(Person.id.in_(keys))
            .options(
                # The privacy predicate reads it per person.
                joinedload(Person.membership_org).joinedload(Organisation.region),
                # The repeated key list lets PostgreSQL read the posts through their
                # person_id index whatever its statistics say (without it, and without
                # ANALYZE, it hashed the whole position table: 145 ms at 100k cadres).
                joinedload(Person.positions.and_(Position.person_id.in_(keys)))
                .joinedload(Position.organisation)
                .joinedload(Organisation.region),
            )
        )
        .unique()
        .all()
    )
    by_id = {p.id: p for p in rows}
    return [by_id[k] for k in keys if k in by_id]


def _region_names(codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = db.session.execute(select(Region.code, Region.name).where(Region.code.in_(codes)))
    return {c: n for c, n in rows}


@lru_cache(maxsize=16384)
def _position_text(org_name: str, title: str, region_name: str) -> tuple[str, frozenset[str]]:
    """A post's text as `_hit` matches it: normalised without spaces, and its tokens.

    The same organisation, title and region recur on every page: normalising and
    segmenting them once per process keeps per-row Python out of each search.
    """
    raw = f"{org_name} {title} {region_name}"
    return text.normalise(raw).replace(" ", ""), frozenset(text.segment(raw))


@lru_cache(maxsize=65536)
def _name_key(name: str) -> str:
    """A name as `_tell_apart` compares it (normalised, without spaces)."""
    return text.normalise(name).replace(" ", "")


def _hit(person: Person, policy: ContactPolicy, words: list[str], p: Params) -> Hit:
    wanted = set(words) | {t for w in words for t in text.han_query_tokens(w)}

    def matches(pos: Position) -> bool:
        org = pos.organisation
        if p.region and org.region.code.startswith(p.region):
            return True
        hay, tokens = _position_text(org.name, pos.title, org.region.name)
        return any(w in hay for w in words) or not tokens.isdisjoint(wanted)

    current = person.current_positions
    former = [pos for pos in person.past_positions if matches(pos)]
    if not current and not former and person.past_positions:
        former = person.past_positions[:1]
    return Hit(person, current, former, policy.visible_contacts(person))


def _main_org(hit: Hit) -> Organisation | None:
    positions = hit.current or hit.person.current_positions or hit.person.past_positions
    if positions:
        return positions[0].organisation
    return hit.person.membership_org


def _chain(code: str) -> list[str]:
    return [code[:n] for n in (2, 4, 6, 9, 12) if n <= len(code)]


def _context_codes(hits: list[Hit]) -> set[str]:
    codes: set[str] = set()
    for hit in hits:
        org = _main_org(hit)
        if org is not None and org.region is not None:
            codes.update(_chain(org.region.code))
    return codes


def _tell_apart(hits: list[Hit], region_names: dict[str, str]) -> None:
    """Give every hit its region path and organisation; mark names that occur twice."""
    counts: dict[str, int] = {}
    for hit in hits:
        key = _name_key(hit.person.name)
        counts[key] = counts.get(key, 0) + 1
    for hit in hits:
        org = _main_org(hit)
        if org is not None:
            path = [region_names[c] for c in _chain(org.region.code) if c in region_names]
            hit.context = " › ".join([*path, org.name])
        hit.same_name = counts[_name_key(hit.person.name)] > 1


@dataclass
class Suggestion:
    """One entry of a people picker or the search box's suggestions."""

    id: int
    name: str
    detail: str  # region path and organisation
    label: str  # the name, with the detail when another suggestion has the same name


def suggest(viewer: Person, q: str, limit: int = 8) -> list[Suggestion]:
    """The best `limit` people for a typed prefix, same names told apart by their context."""
    if not text.query_words(q):
        return []
    page = search_people(viewer, Params(q=q), per_page=limit)
    return [
        Suggestion(
            h.person.id,
            h.person.name,
            h.context,
            f"{h.person.name}（{h.context}）" if h.same_name and h.context else h.person.name,
        )
        for h in page.hits
    ]
