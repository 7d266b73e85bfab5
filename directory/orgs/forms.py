"""Forms of the organisation pages. The service re-checks everything they check."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import InputRequired, Length

from directory.core.enums import OrgLevel, Sector
from directory.orgs.models import Organisation
from directory.regions.forms import RegionField
from directory.regions.picker import REFINE_BUTTON
from directory.web.forms import BaseForm, TrimmedStringField


class OrgRegionField(RegionField):
    """The picker's deepest code; a single typed-in code is kept as is for a clear error."""

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata(valuelist)
        typed = [v.strip() for v in valuelist if v and v.strip()]
        if not self.data and len(typed) == 1:
            self.data = typed[0][:20]


def wants_refine(formdata: object) -> bool:
    """The no-JavaScript picker asked to show its next level: re-show the form, save nothing."""
    return REFINE_BUTTON in (formdata or {})  # type: ignore[operator]  # WTForms formdata: a MultiDict, typed object


class OrgForm(BaseForm):
    """Create (with `level`) or edit (without it) an organisation."""

    name = TrimmedStringField(
        _l("名称"),
        validators=[
            InputRequired(message=_l("请填写名称。")),
            Length(min=2, max=100, message=_l("名称需要 2 到 100 个字符。")),
        ],
    )
    level = SelectField(_l("层级"), choices=[], validate_choice=False)
    sector = SelectField(_l("领域"), choices=[], validate_choice=False)
    region_code = OrgRegionField(_l("所在地区"))

    def __init__(self, *args, parent: Organisation | None = None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.sector.choices = [("", str(_l("（不指定）"))), *Sector.choices()]
        if editing:
            del self.level
            return
        floor = parent.level.rank if parent is not None else -1
        self.level.choices = [(m.value, m.label) for m in OrgLevel if m.rank > floor]
