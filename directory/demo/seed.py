"""The province-sized demo: an organisation tree on the real regions, and cadres in it.

Everything is drawn from one `random.Random(seed)` while walking regions in code order,
so a seed gives the same world every time. Rows go in with bulk INSERTs with ids given up
front (so `path` is known without a round trip per row), all in one transaction.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select, text, update

from directory.core.enums import OrgLevel, PositionStatus, RegionLevel, Sector
from directory.core.errors import Conflict, NotFound, ValidationError
from directory.core.messages import _m
from directory.core.numbers import parse_int
from directory.core.passwords import hash_password
from directory.core.sql import startswith
from directory.core.uow import unit_of_work
from directory.demo import people as demo_people
from directory.demo.names import words
from directory.extensions import Model, db
from directory.notifications.models import Notification
from directory.notifications.services import stored_fields
from directory.orgs.models import Organisation
from directory.people.models import OrgAdmin, Person, Position
from directory.regions.models import Region
from directory.stats import tally

DEMO_PASSWORD = "demo-password-2026"
# The scale issue 13 measures at (bench/search.py --sizes 1000000), in one transaction.
MAX_CADRES = 1_000_000
# Names of city-level rows that are not cities (municipalities, directly governed counties).
_NOT_A_CITY = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")
_ETHNIC = words(
    "藏族 羌族 彝族 朝鲜族 苗族 侗族 土家族 白族 傣族 景颇族 蒙古 柯尔克孜 哈萨克 回族 "
    "哈尼族 壮族 傈僳族 布依族 纳西族 拉祜族 佤族 瑶族 黎族 仡佬族 水族"
)


@dataclass
class Node:
    """An organisation before it is inserted."""

    name: str
    level: OrgLevel
    region_id: int
    parent: Node | None = None
    sector: Sector | None = None
    city_code: str = ""
    id: int = 0
    path: str = ""


@dataclass
class DemoStats:
    """What one run wrote, and how long it took."""

    organisations: int
    people: int
    positions: int
    org_admins: int
    seconds: float
    claims: int = 0


def province_org_name(name: str) -> str:
    """共青团四川省委, 共青团重庆市委, 共青团广西壮族自治区委员会."""
    return f"共青团{name}委员会" if name.endswith("自治区") else f"共青团{name}委"


def city_org_name(name: str) -> str:
    """共青团南充市委; autonomous prefectures use the short name: 共青团凉山州委."""
    if name.endswith("自治州"):
        cut = [name.find(e, 2) for e in _ETHNIC if name.find(e, 2) > 0]
        return f"共青团{name[: min(cut)] if cut else name[:-3]}州委"
    if name.endswith("地区"):
        return f"共青团{name[:-2]}地委"
    return f"共青团{name}委"


def township_org_name(name: str) -> str:
    """街道 → 街道团工委; 镇 and 乡 → 团委."""
    return f"{name}团委" if name.endswith(("镇", "乡")) else f"{name}团工委"


def seed_demo(
    cadres: int = 3000, seed: int = 2026, province: str = "51", force: bool = False
) -> DemoStats:
    """Write the demo world for `province` (one transaction); refuse a non-empty database."""
    started = time.perf_counter()
    if not 1 <= cadres <= MAX_CADRES:
        raise ValidationError(_("演示人数必须在 1 到 %(n)d 之间。", n=MAX_CADRES))
    if len(province) != 2 or parse_int(province, 99) is None:
        raise ValidationError(_("省级行政区划代码必须是两位数字，例如 51。"))
    regions = _province_regions(province)
    if not force and _has_people_or_orgs():
        raise Conflict(
            _("数据库中已有团组织或人员，演示数据只写入空数据库。加 --force 会先删除它们。")
        )
    rng = random.Random(seed)
    with unit_of_work():
        if force:
            _wipe()
        nodes = build_tree(rng, regions, cadres)
        _insert_orgs(nodes)
        people, positions, admins = demo_people.populate(
            rng, nodes, cadres, hash_password(DEMO_PASSWORD)
        )
        ids = _insert_people(people)
        _insert_links(positions, admins, ids)
        claims = _insert_claims(rng)
        tally.rebuild()  # the people were written with bulk SQL, behind the flush listeners
    if db.engine.dialect.name == "postgresql":
        # After a bulk load the planner needs statistics now, not whenever autovacuum comes
        # by (or never, where it is off): without them it guesses every row count.
        with db.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return DemoStats(
        len(nodes),
        len(people),
        len(positions),
        len(admins),
        time.perf_counter() - started,
        claims,
    )


CLAIM_TITLES = ("兼职副书记", "委员", "组织委员", "宣传委员")


def _insert_claims(rng: random.Random, count: int = 4) -> int:
    """A few self-declared posts, pending, in the demo org admin's city: 张彤 (the demo
    cadre) claims one in her township, others in branches near them. The org admin finds
    them in the claims queue and a notification points there."""
    boss = db.session.scalar(select(Person).where(Person.email == f"orgadmin@{demo_people.DOMAIN}"))
    cadre = db.session.scalar(select(Person).where(Person.email == f"cadre@{demo_people.DOMAIN}"))
    if boss is None or cadre is None or not boss.admin_of:
        return 0
    city = boss.admin_of[0].organisation
    orgs = list(
        db.session.scalars(
            select(Organisation)
            .where(startswith(Organisation.path, city.path), Organisation.id != city.id)
            .order_by(Organisation.id)
        )
    )
    people = list(
        db.session.scalars(
            select(Person)
            .where(
                Person.membership_org_id.in_([o.id for o in orgs]),
                Person.id.not_in([boss.id, cadre.id]),
                Person.is_admin.is_(False),
                ~Person.admin_of.any(),
            )
            .order_by(Person.id)
        )
    )
    if not orgs:
        return 0
    home = cadre.membership_org
    claimants: list[tuple[Person, Organisation]] = []
    if home is not None and home.parent is not None and home.parent.id != city.id:
        claimants.append((cadre, home.parent))
    for person in rng.sample(people, min(len(people), count - len(claimants))):
        claimants.append(
            (person, rng.choice([o for o in orgs if o.id != person.membership_org_id]))
        )
    for i, (person, org) in enumerate(claimants):
        db.session.add(
            Position(
                person_id=person.id,
                organisation_id=org.id,
                title=CLAIM_TITLES[i % len(CLAIM_TITLES)],
                start_date=date(2024, 1 + i, 1),
                status=PositionStatus.PENDING,
                recorded_by_id=person.id,
            )
        )
    if claimants:
        db.session.add(
            Notification(
                person_id=boss.id,
                kind="position_claim",
                link="/people/claims",
                **stored_fields(_m("有 %(n)d 条自行申报的职务待你确认", n=len(claimants))),
            )
        )
    return len(claimants)


def _province_regions(code: str) -> list[tuple[int, str, str, RegionLevel]]:
    rows = db.session.execute(
        select(Region.id, Region.code, Region.name, Region.level)
        .where(startswith(Region.code, code), Region.level != RegionLevel.VILLAGE)
        .order_by(Region.code)
    ).all()
    if not rows or rows[0].code != code:
        raise NotFound(
            _("没有代码为 %(code)s 的省级行政区划，请先运行 flask regions load。", code=code)
        )
    return [(id_, code_, name, level) for id_, code_, name, level in rows]


def _has_people_or_orgs() -> bool:
    return bool(
        db.session.scalar(select(func.count()).select_from(Person))
        or db.session.scalar(select(func.count()).select_from(Organisation))
    )


def _wipe() -> None:
    """Delete every row except the regions (other areas' tables hang off people and orgs)."""
    db.session.execute(update(Organisation).values(parent_id=None))
    for table in reversed(db.metadata.sorted_tables):
        if table.name != Region.__tablename__:
            db.session.execute(table.delete())


def build_tree(
    rng: random.Random, regions: list[tuple[int, str, str, RegionLevel]], cadres: int
) -> list[Node]:
    """The organisation tree of one province, parents before children."""
    prov_id, _code, prov_name, _level = regions[0]
    root = Node(province_org_name(prov_name), OrgLevel.PROVINCE, prov_id, sector=Sector.GOVERNMENT)
    nodes = [root]
    cities: dict[str, Node] = {}
    counties: dict[str, Node] = {}
    townships = [r for r in regions if r[3] == RegionLevel.TOWNSHIP]
    # Denser trees for bigger demos: a share of townships, and branches under them.
    share = min(0.85, max(0.3, cadres / (4 * max(len(townships), 1))))
    branch_mean = min(6.0, max(0.5, cadres / (3 * max(len(townships), 1))))
    for rid, code, name, level in regions[1:]:
        if level == RegionLevel.CITY and name not in _NOT_A_CITY:
            node = Node(city_org_name(name), OrgLevel.CITY, rid, root, Sector.GOVERNMENT, code)
            cities[code] = node
        elif level == RegionLevel.COUNTY and name != "市辖区":
            parent = cities.get(code[:4], root)
            node = Node(f"共青团{name}委", OrgLevel.COUNTY, rid, parent, Sector.GOVERNMENT)
            node.city_code = code[:4]
            counties[code] = node
        elif level == RegionLevel.TOWNSHIP and name.endswith(("街道", "镇", "乡")):
            street = name.endswith("街道")
            if code[:6] not in counties or rng.random() >= min(
                0.95, share * (1.2 if street else 1)
            ):
                continue
            node = Node(township_org_name(name), OrgLevel.TOWNSHIP, rid, counties[code[:6]])
            node.city_code = code[:4]
            nodes.append(node)
            nodes.extend(_branches(rng, node, name, street, branch_mean))
            continue
        else:
            continue
        nodes.append(node)
    return sorted(nodes, key=lambda n: n.level.rank)


def _branches(rng: random.Random, town: Node, name: str, street: bool, mean: float) -> list[Node]:
    count = int(mean) + (rng.random() < mean - int(mean))
    kinds = demo_people.BRANCH_KINDS_STREET if street else demo_people.BRANCH_KINDS_TOWN
    out: list[Node] = []
    seen: set[str] = set()
    for _i in range(count):
        label, sector, level = demo_people.branch_name(rng, name, rng.choice(kinds))
        if label in seen:
            continue
        seen.add(label)
        node = Node(label, level, town.region_id, town, sector, town.city_code)
        out.append(node)
    return out


def _first_free_id(model: type[Model]) -> int:
    return (db.session.scalar(select(func.max(model.__table__.c.id))) or 0) + 1


def _insert_all(model: type[Model], rows: list[dict]) -> None:
    """Core executemany INSERTs: unlike ORM bulk inserts, rows with NULLs in different
    columns stay in one batch."""
    for start in range(0, len(rows), 10000):
        db.session.execute(model.__table__.insert(), rows[start : start + 10000])


def _sync_sequence(model: type[Model]) -> None:
    """Ids were given explicitly: move PostgreSQL's sequence past them."""
    if db.session.get_bind().dialect.name == "postgresql":
        table = model.__tablename__
        db.session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}")
        )


def _insert_orgs(nodes: list[Node]) -> None:
    """Ids are assigned here (parents come first), so `path` is known before inserting."""
    next_id = _first_free_id(Organisation)
    for node in nodes:
        node.id, next_id = next_id, next_id + 1
        node.path = f"{node.parent.path if node.parent else '/'}{node.id}/"
    rows = [
        {
            "id": n.id,
            "name": n.name,
            "level": n.level,
            "sector": n.sector,
            "region_id": n.region_id,
            "parent_id": n.parent.id if n.parent else None,
            "path": n.path,
        }
        for n in nodes
    ]
    _insert_all(Organisation, rows)
    _sync_sequence(Organisation)


def _insert_people(people: list[dict]) -> list[int]:
    first = _first_free_id(Person)
    ids = list(range(first, first + len(people)))
    _insert_all(Person, [{"id": i, **p} for i, p in zip(ids, people, strict=True)])
    _sync_sequence(Person)
    return ids


def _insert_links(positions: list[dict], admins: list[dict], ids: list[int]) -> None:
    """Positions and admin roles refer to people by their index in the insert order."""
    for rows, model in ((positions, Position), (admins, OrgAdmin)):
        resolved = [
            {k: v for k, v in r.items() if k != "person_index"}
            | {"person_id": ids[r["person_index"]]}
            for r in rows
        ]
        if model is Position:
            # The generated careers stand for records an admin entered: confirmed.
            resolved = [{"status": PositionStatus.CONFIRMED.value} | r for r in resolved]
        _insert_all(model, resolved)
