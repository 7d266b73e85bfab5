"""Closed vocabularies of the domain. Values are stored; labels are shown (translated)."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Enum as SAEnum

from directory.core.messages import Message


class LabelledEnum(StrEnum):
    """A StrEnum whose members carry a translated label."""

    @property
    def label(self) -> str:
        return str(self._labels()[self.value])

    @property
    def message(self) -> Message | str:
        """The label translated when read (for a stored notification, core/messages.py)."""
        return Message.of_label(self._labels()[self.value])

    @classmethod
    def _labels(cls) -> dict[str, object]:
        raise NotImplementedError

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) pairs for a select field."""
        return [(m.value, m.label) for m in cls]


class Gender(LabelledEnum):
    MALE = "male"
    FEMALE = "female"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {"male": _l("男"), "female": _l("女")}


class PoliticalStatus(LabelledEnum):
    LEAGUE = "league"
    PARTY = "party"
    MASSES = "masses"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {"league": _l("共青团员"), "party": _l("中共党员"), "masses": _l("群众")}


class CadreKind(LabelledEnum):
    FULL_TIME = "full_time"
    PART_TIME = "part_time"
    SECONDED = "seconded"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {"full_time": _l("专职"), "part_time": _l("兼职"), "seconded": _l("挂职")}


class Establishment(LabelledEnum):
    IN = "in"
    OUT = "out"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {"in": _l("编制内"), "out": _l("编制外")}


class Visibility(LabelledEnum):
    """Who may see one contact field."""

    SIGNED_IN = "signed_in"
    SHARED = "shared"
    ADMINS = "admins"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "signed_in": _l("所有登录用户"),
            "shared": _l("同组织或同群组的人"),
            "admins": _l("仅管理员"),
        }


class Sector(LabelledEnum):
    GOVERNMENT = "government"
    ENTERPRISE = "enterprise"
    RURAL = "rural"
    SCHOOL = "school"
    COMMUNITY = "community"
    NEW_ORG = "new_org"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "government": _l("机关事业单位"),
            "enterprise": _l("非公企业"),
            "rural": _l("农村"),
            "school": _l("学校"),
            "community": _l("社区"),
            "new_org": _l("“两新”组织"),
        }


class OrgLevel(LabelledEnum):
    """Rank of an organisation in the league tree, top to bottom."""

    CENTRAL = "central"
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    GENERAL_BRANCH = "general_branch"
    BRANCH = "branch"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "central": _l("团中央"),
            "province": _l("团省委"),
            "city": _l("团市委"),
            "county": _l("团县委/团区委"),
            "township": _l("乡镇团委/街道团工委"),
            "general_branch": _l("团总支"),
            "branch": _l("团支部"),
        }

    @property
    def rank(self) -> int:
        return list(OrgLevel).index(self)


class RegionLevel(LabelledEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "province": _l("省级"),
            "city": _l("地级"),
            "county": _l("县级"),
            "township": _l("乡级"),
            "village": _l("村级"),
        }

    @property
    def code_length(self) -> int:
        return {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}[self.value]


POSITION_TITLES: tuple[str, ...] = (
    "书记",
    "副书记",
    "专职副书记",
    "兼职副书记",
    "挂职副书记",
    "委员",
    "组织委员",
    "宣传委员",
    "干事",
    "信息员",
)


class PositionStatus(LabelledEnum):
    """Provenance of a position: only a confirmed one grants anything."""

    CONFIRMED = "confirmed"
    PENDING = "pending"
    REJECTED = "rejected"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {"confirmed": _l("已确认"), "pending": _l("待确认"), "rejected": _l("未通过")}


class JobStatus(LabelledEnum):
    """Where a background job stands."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @classmethod
    def _labels(cls) -> dict[str, object]:
        return {
            "queued": _l("排队中"),
            "running": _l("进行中"),
            "done": _l("已完成"),
            "failed": _l("失败"),
        }


def enum_type(cls: type[LabelledEnum]) -> SAEnum:
    """A portable column type storing the enum's value and loading the member."""
    return SAEnum(
        cls,
        native_enum=False,
        length=max(len(m.value) for m in cls),
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )
