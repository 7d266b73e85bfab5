"""Forms of the organisation pages. The service re-checks everything they check."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import InputRequired, Length

from directory.models import Organisation, OrgLevel, Sector
from directory.web.forms import BaseForm, TrimmedStringField


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
    region_code = TrimmedStringField(
        _l("所在地区（行政区划代码）"),
        validators=[
            InputRequired(message=_l("请填写所在地区的行政区划代码。")),
            Length(max=12, message=_l("行政区划代码最多 12 位数字。")),
        ],
    )

    def __init__(self, *args, parent: Organisation | None = None, editing: bool = False, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.sector.choices = [("", str(_l("（不指定）"))), *Sector.choices()]
        if editing:
            del self.level
            return
        floor = parent.level.rank if parent is not None else -1
        self.level.choices = [(m.value, m.label) for m in OrgLevel if m.rank > floor]


class AdminForm(BaseForm):
    """Appoint an admin by the e-mail of an existing account."""

    email = TrimmedStringField(
        _l("电子邮箱"),
        validators=[
            InputRequired(message=_l("请填写电子邮箱。")),
            Length(max=254, message=_l("电子邮箱太长。")),
        ],
    )
