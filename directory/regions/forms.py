"""Forms of the regions area, and `RegionField` for any form that embeds the region picker."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, Field
from wtforms.validators import DataRequired, Length, Optional, Regexp

from directory.regions.picker import picked_code
from directory.regions.services import MAX_NAME
from directory.web.forms import BaseForm, TrimmedStringField


class RegionField(Field):
    """Reads a region picker (one value per level) as the deepest consistent code ("" if none).

    Render it with `region_picker(form.<field>.name, form.<field>.data)` from
    templates/regions/_picker.html; check the code with `region_by_code` in the service.
    """

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = picked_code(valuelist)

    def process_data(self, value: object) -> None:
        self.data = str(value) if value else ""

    def _value(self) -> str:
        return self.data or ""


class RenameForm(BaseForm):
    name = TrimmedStringField(
        _l("新名称"),
        validators=[
            DataRequired(_l("请填写名称。")),
            Length(max=MAX_NAME, message=_l("名称不能超过 60 个字。")),
        ],
    )


class VillageForm(BaseForm):
    name = TrimmedStringField(
        _l("村/社区名称"),
        validators=[
            DataRequired(_l("请填写名称。")),
            Length(max=MAX_NAME, message=_l("名称不能超过 60 个字。")),
        ],
    )
    code = TrimmedStringField(
        _l("代码（可选）"),
        validators=[Optional(), Regexp(r"^\d{12}$", message=_l("村级代码应为 12 位数字。"))],
    )


class MergeForm(BaseForm):
    target = RegionField(_l("并入的地区"))
    confirm = BooleanField(
        _l("我确认合并：此地区将被删除，其下级地区和团组织将移到目标地区"),
        validators=[DataRequired(_l("请勾选确认。"))],
    )
