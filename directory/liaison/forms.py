"""Forms of the liaison area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from directory.web.forms import BaseForm


class AssignForm(BaseForm):
    member = SelectField(_l("委员"), choices=[], validate_choice=False)
    target = SelectField(_l("联系的团组织"), choices=[], validate_choice=False)


class EndForm(BaseForm):
    pass
