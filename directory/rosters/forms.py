"""The import forms: the upload, and the confirmation (CSRF only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired

from directory.web.forms import BaseForm


class UploadForm(BaseForm):
    file = FileField(
        _l("花名册文件（.xlsx 或 .csv）"), validators=[FileRequired(_l("请选择文件。"))]
    )


class ConfirmForm(BaseForm):
    """Nothing but the CSRF token: the file is the one previewed."""
