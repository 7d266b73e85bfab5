"""Demo cadres: who sits where, with what post, history, contacts and privacy settings.

Rules follow the league work plans: ages mostly at most 35 (part-time up to 40), about
1 : 6 in : out of the establishment at township level, one secretary per organisation,
part-time terms that end, and people who moved between organisations (many in 2019).
"""

from __future__ import annotations

import random
import re
from datetime import date
from typing import TYPE_CHECKING, Any

from directory.core.enums import CadreKind, Establishment, Gender, OrgLevel, PoliticalStatus, Sector
from directory.core.enums import Visibility as V
from directory.demo.names import random_name, words
from directory.people.services import pinyin_of

if TYPE_CHECKING:
    from directory.demo.seed import Node

AS_OF = date(2026, 11, 1)  # fixed, so a seed gives the same ages every year
DOMAIN = "demo.tuanyoulu.cn"
LEVEL_WEIGHT = {
    OrgLevel.PROVINCE: 16.0,
    OrgLevel.CITY: 8.0,
    OrgLevel.COUNTY: 5.0,
    OrgLevel.TOWNSHIP: 4.0,
    OrgLevel.GENERAL_BRANCH: 2.0,
    OrgLevel.BRANCH: 1.2,
}
BRANCH_KINDS_STREET = ("社区", "社区", "社区", "企业", "学校", "机关", "两新")
BRANCH_KINDS_TOWN = ("村", "村", "村", "村", "学校", "企业", "机关")
_PLACE = words(
    "青龙 白鹤 石桥 新华 红星 桂花 凤凰 柏林 龙泉 黄桷 金鸡 双河 三合 太平 永安 回龙 清泉 长乐 天星 玉林"
)
_TRADE = words("农业科技 电子商务 食品 物流 建材 茶业 文化传媒 机械 旅游开发 生态养殖")
_TITLES = {
    OrgLevel.PROVINCE: ("书记", "副书记", "副书记", "干事", "委员", "信息员"),
    OrgLevel.CITY: ("书记", "副书记", "副书记", "干事", "委员", "信息员"),
    OrgLevel.COUNTY: ("书记", "副书记", "挂职副书记", "干事", "委员", "信息员"),
    OrgLevel.TOWNSHIP: ("书记", "专职副书记", "兼职副书记", "组织委员", "宣传委员", "委员"),
    OrgLevel.GENERAL_BRANCH: ("书记", "副书记", "组织委员", "宣传委员", "委员"),
    OrgLevel.BRANCH: ("书记", "组织委员", "宣传委员", "委员"),
}
_PHONE_PREFIXES = words(
    "134 135 136 137 138 139 147 150 151 152 157 158 159 178 182 183 184 187 188 198 "
    "130 131 132 155 156 166 175 176 185 186 133 153 173 177 180 181 189 191 199"
)
_WORK = words("基层组织建设 青年志愿服务 青少年权益保护 宣传思想 青年创新创业 少先队 “青年大学习”")
_HOBBY = words("跑步 摄影 书法 篮球 读书 徒步 羽毛球 川剧 乒乓球 民谣吉他")


def branch_name(rng: random.Random, town: str, kind: str) -> tuple[str, Sector, OrgLevel]:
    """A branch under the township `town`: name, sector, level."""
    place = rng.choice(_PLACE)
    if kind == "村":
        return f"{place}村团支部", Sector.RURAL, OrgLevel.BRANCH
    if kind == "社区":
        return f"{place}社区团支部", Sector.COMMUNITY, OrgLevel.BRANCH
    if kind == "学校":
        school = rng.choice(("中学", "中心小学", "职业中学"))
        return f"{town}{school}团总支", Sector.SCHOOL, OrgLevel.GENERAL_BRANCH
    if kind == "企业":
        return f"{place}{rng.choice(_TRADE)}有限公司团支部", Sector.ENTERPRISE, OrgLevel.BRANCH
    if kind == "两新":
        return f"{place}青年志愿者协会团支部", Sector.NEW_ORG, OrgLevel.BRANCH
    return f"{town}机关团支部", Sector.GOVERNMENT, OrgLevel.BRANCH


class _Maker:
    """Draws people one by one, keeping e-mails and phone numbers unique."""

    def __init__(self, rng: random.Random, password_hash: str) -> None:
        self.rng = rng
        self.password_hash = password_hash
        self.emails: set[str] = set()
        self.phones: set[str] = set()
        self.pinyin: dict[str, str] = {}

    def email(self, name: str, birth_year: int) -> str:
        base = re.sub(r"[^a-z]", "", self._pinyin(name)) or "cadre"
        local = self.rng.choice((base, f"{base}{birth_year % 100:02d}", f"{base}{birth_year}"))
        candidate, n = local, 1
        while f"{candidate}@{DOMAIN}" in self.emails:
            n += 1
            candidate = f"{local}.{n}"
        self.emails.add(f"{candidate}@{DOMAIN}")
        return f"{candidate}@{DOMAIN}"

    def phone(self) -> str:
        while True:
            number = f"+86{self.rng.choice(_PHONE_PREFIXES)}{self.rng.randrange(10**8):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def _pinyin(self, name: str) -> str:
        if name not in self.pinyin:
            self.pinyin[name] = pinyin_of(name)
        return self.pinyin[name]

    def person(self, node: Node, title: str, **fixed: Any) -> dict[str, Any]:
        """One cadre of `node` holding `title`; `fixed` overrides drawn values."""
        rng = self.rng
        male = fixed.pop("male", rng.random() < 0.48)
        name = fixed.get("name") or random_name(rng, male)
        kind = _cadre_kind(rng, node.level, title)
        age = _age(rng, kind)
        birth_year = fixed.get("birth_year", AS_OF.year - age)
        age = AS_OF.year - birth_year
        values: dict[str, Any] = {
            "name": name,
            "name_pinyin": self._pinyin(name),
            "password_hash": self.password_hash,
            "is_admin": False,
            "gender": Gender.MALE if male else Gender.FEMALE,
            "birth_year": birth_year,
            "political_status": _political(rng, age),
            "cadre_kind": kind,
            "establishment": _establishment(rng, node.level),
            "phone": self.phone() if rng.random() < 0.88 else None,
            "wechat": _wechat(rng, self._pinyin(name), birth_year) if rng.random() < 0.7 else None,
            "bio": _bio(rng, node, title, kind) if rng.random() < 0.65 else "",
            "phone_visibility": rng.choices((V.SHARED, V.SIGNED_IN, V.ADMINS), (5, 2, 3))[0],
            "email_visibility": rng.choices((V.SIGNED_IN, V.SHARED, V.ADMINS), (5, 4, 1))[0],
            "wechat_visibility": rng.choices((V.SHARED, V.SIGNED_IN, V.ADMINS), (5, 3, 2))[0],
            "membership_org_id": node.id,
        }
        values.update(fixed)
        if values["phone"]:
            self.phones.add(values["phone"])
        if "email" not in fixed:
            values["email"] = self.email(name, birth_year)
        else:
            self.emails.add(values["email"])
        return values


def _cadre_kind(rng: random.Random, level: OrgLevel, title: str) -> CadreKind:
    if level.rank <= OrgLevel.COUNTY.rank:
        weights = (85, 5, 10)
    elif level == OrgLevel.TOWNSHIP:
        weights = (80, 0, 20) if title in ("书记", "专职副书记") else (8, 85, 7)
    else:
        weights = (3, 95, 2)
    return rng.choices((CadreKind.FULL_TIME, CadreKind.PART_TIME, CadreKind.SECONDED), weights)[0]


def _age(rng: random.Random, kind: CadreKind) -> int:
    if kind == CadreKind.PART_TIME:
        return min(40, max(20, round(rng.gauss(30, 5))))
    return min(38, max(22, round(rng.gauss(29.5, 3.2))))


def _political(rng: random.Random, age: int) -> PoliticalStatus:
    options = (PoliticalStatus.LEAGUE, PoliticalStatus.PARTY, PoliticalStatus.MASSES)
    return rng.choices(options, (72, 28, 0) if age <= 28 else (13, 82, 5))[0]


def _establishment(rng: random.Random, level: OrgLevel) -> Establishment:
    if level.rank <= OrgLevel.COUNTY.rank:
        p_in = 0.85
    elif level == OrgLevel.TOWNSHIP:
        p_in = 1 / 7
    else:
        p_in = 0.05
    return Establishment.IN if rng.random() < p_in else Establishment.OUT


def _wechat(rng: random.Random, pinyin: str, birth_year: int) -> str:
    base = re.sub(r"[^a-z]", "", pinyin)[:12] or "tuanyou"
    pattern = rng.randrange(3)
    if pattern == 0:
        return f"{base}{rng.randrange(100):02d}".ljust(6, "0")
    if pattern == 1:
        return f"{base}_{birth_year}"
    return "wxid_" + "".join(rng.choices("abcdefghijkmnpqrstuvwxyz23456789", k=12))


def _bio(rng: random.Random, node: Node, title: str, kind: CadreKind) -> str:
    parts = [f"{node.name}{title}。"]
    if node.sector == Sector.SCHOOL:
        parts.append(rng.choice(("中学语文教师。", "小学数学教师，兼任少先队辅导员。")))
    elif node.sector == Sector.RURAL:
        parts.append(
            rng.choice(("大学生村官。", "返乡创业青年，经营一家种养殖合作社。", "村党支部委员。"))
        )
    elif node.sector == Sector.ENTERPRISE:
        parts.append("在企业从事生产管理，联系车间青年。")
    if kind == CadreKind.SECONDED:
        parts.append("挂职锻炼中。")
    parts.append(f"分管{rng.choice(_WORK)}工作。")
    if kind != CadreKind.PART_TIME and rng.random() < 0.4:
        parts.append(f"“1+100”直接联系青年 {rng.randrange(100, 160)} 名。")
    if rng.random() < 0.3:
        parts.append(f"业余爱好：{rng.choice(_HOBBY)}。")
    return "".join(parts)


def title_for(level: OrgLevel, index: int) -> str:
    """The post of the index-th cadre of an organisation (the first one is the secretary)."""
    titles = _TITLES[level]
    return titles[min(index, len(titles) - 1)]


def _history(
    rng: random.Random, node: Node, title: str, birth_year: int, siblings: list[Node]
) -> list[tuple[Node, str, date, date | None]]:
    """The current post and, for some, the posts before it."""
    earliest = birth_year + 21
    start_year = min(AS_OF.year, max(earliest, AS_OF.year - rng.randrange(0, 7)))
    start = date(start_year, rng.randrange(1, 13), rng.randrange(1, 29))
    start = min(start, AS_OF)
    roll = rng.random()
    if roll < 0.25 and earliest <= 2016:
        # Moved here in 2019 from a sibling organisation (or the one above).
        moved = date(2019, rng.randrange(1, 13), rng.randrange(1, 29))
        before = rng.choice(siblings) if siblings else (node.parent or node)
        began = date(rng.randrange(max(earliest, 2013), 2019), rng.randrange(1, 13), 1)
        return [(node, title, moved, None), (before, rng.choice(("委员", "干事")), began, moved)]
    if roll < 0.37 and title != "委员" and start.year - 2 >= earliest:
        # Promoted within the same organisation.
        began = date(max(earliest, start.year - rng.randrange(2, 5)), rng.randrange(1, 13), 1)
        return [(node, title, start, None), (node, "委员", min(began, start), start)]
    return [(node, title, start, None)]


def populate(
    rng: random.Random, nodes: list[Node], cadres: int, password_hash: str
) -> tuple[list[dict], list[dict], list[dict]]:
    """People, positions and admin roles (links refer to people by list index)."""
    cum, total = [], 0.0
    for node in nodes:
        total += LEVEL_WEIGHT[node.level]
        cum.append(total)
    members: list[list[Any]] = [[] for _ in nodes]
    for i in rng.choices(range(len(nodes)), cum_weights=cum, k=cadres):
        members[i].append({})
    index = {id(n): i for i, n in enumerate(nodes)}
    _place_demo_accounts(nodes, members, index)
    children: dict[int, list[Node]] = {}
    for node in nodes:
        if node.parent is not None:
            children.setdefault(id(node.parent), []).append(node)
    maker = _Maker(rng, password_hash)
    people: list[dict] = []
    positions: list[dict] = []
    admins: list[dict] = []
    for i, node in enumerate(nodes):
        siblings = [s for s in children.get(id(node.parent), []) if s is not node]
        for k, fixed in enumerate(members[i]):
            fixed = dict(fixed)
            admin_of = fixed.pop("admin_of", None)
            title = fixed.pop("title", None) or title_for(node.level, k)
            person = maker.person(node, title, **fixed)
            pi = len(people)
            people.append(person)
            for org, t, start, end in _history(rng, node, title, person["birth_year"], siblings):
                positions.append(
                    {"person_index": pi, "organisation_id": org.id, "title": t}
                    | {"start_date": start, "end_date": end}
                )
            if admin_of is not None:
                admins.append({"person_index": pi, "organisation_id": nodes[admin_of].id})
            elif k == 0 and rng.random() < _ADMIN_SHARE.get(node.level, 0):
                admins.append({"person_index": pi, "organisation_id": node.id})
    return people, positions, admins


_ADMIN_SHARE = {OrgLevel.CITY: 0.8, OrgLevel.COUNTY: 0.8, OrgLevel.TOWNSHIP: 0.15}


def _place_demo_accounts(nodes: list[Node], members: list[list[Any]], index: dict) -> None:
    """The three fixed accounts: a system admin, 张彤 in 南充, the admin of 南充's committee."""
    city = next((n for n in nodes if n.level == OrgLevel.CITY and n.city_code == "5113"), None)
    city = city or next((n for n in nodes if n.level == OrgLevel.CITY), nodes[0])
    mine = [n for n in nodes if n.city_code == city.city_code and n is not city]
    home = (
        next((n for n in mine if n.sector == Sector.COMMUNITY), None)
        or next((n for n in mine if n.level == OrgLevel.TOWNSHIP), None)
        or city
    )
    members[0].append(
        {"name": "陈静", "male": False, "email": f"admin@{DOMAIN}", "is_admin": True}
        | {"title": "信息员", "birth_year": 1991}
    )
    members[index[id(home)]].insert(
        0,
        {"name": "张彤", "male": False, "email": f"cadre@{DOMAIN}", "birth_year": 1996}
        | {"phone": "+8613800138000", "phone_visibility": V.SHARED},
    )
    target = members[index[id(city)]]
    target.insert(
        min(1, len(target)),
        {"name": "王磊", "male": True, "email": f"orgadmin@{DOMAIN}", "birth_year": 1990}
        | {"admin_of": index[id(city)]},
    )
