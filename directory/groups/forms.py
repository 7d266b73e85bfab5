"""Forms of the groups area."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, HiddenField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from directory.groups.models import GroupVisibility, JoinPolicy
from directory.regions.forms import RegionField
from directory.web.forms import BaseForm, TrimmedStringField
from directory.web.picker import PickerField


class GroupForm(BaseForm):
    name = TrimmedStringField(
        _l("群组名称"), validators=[DataRequired(_l("请填写群组名称。")), Length(max=100)]
    )
    description = TextAreaField(
        lazy_pgettext("group", "简介"), validators=[Optional(), Length(max=5000)]
    )
    join_policy = SelectField(_l("加入方式"), choices=[], default=JoinPolicy.OPEN.value)
    visibility = SelectField(_l("可见范围"), choices=[], default=GroupVisibility.PUBLIC.value)
    region = RegionField(_l("所属地区（可选）"))
    organisation = PickerField(_l("所属团组织（可选）"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.join_policy.choices = JoinPolicy.choices()
        self.visibility.choices = GroupVisibility.choices()


class ThreadForm(BaseForm):
    title = TrimmedStringField(
        _l("标题"), validators=[DataRequired(_l("请填写标题。")), Length(max=200)]
    )
    body = TextAreaField(_l("内容（支持 Markdown）"))
    files = MultipleFileField(_l("附件（PDF、Office 文档、图片）"))


class ReplyForm(BaseForm):
    body = TextAreaField(_l("回复（支持 Markdown，输入 @ 提及他人）"))
    quote_of = HiddenField()
    files = MultipleFileField(_l("附件（PDF、Office 文档、图片）"))


class EditPostForm(BaseForm):
    body = TextAreaField(_l("内容"))


class RequestForm(BaseForm):
    message = TextAreaField(_l("申请留言（可选）"), validators=[Optional(), Length(max=500)])


class InviteForm(BaseForm):
    person = PickerField(_l("邀请谁"))


class ReportForm(BaseForm):
    reason = TextAreaField(
        _l("举报理由"), validators=[DataRequired(_l("请说明举报理由。")), Length(max=500)]
    )


class RemoveForm(BaseForm):
    reason = TrimmedStringField(_l("原因（可选）"), validators=[Optional(), Length(max=500)])
    ban = BooleanField(_l("同时禁止再次加入"))
