"""Forms of the saved lists."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.validators import DataRequired, Length

from directory.lists.models import MAX_NAME
from directory.web.forms import BaseForm, TrimmedStringField
from directory.web.picker import PickerField


class NameForm(BaseForm):
    """A new list, a renamed one, or a search saved as a list."""

    name = TrimmedStringField(
        _l("名单名称"), validators=[DataRequired(_l("请填写名单名称。")), Length(max=MAX_NAME)]
    )


class AddForm(BaseForm):
    person = PickerField(_l("要加入的人"))
