"""Attachments: type checked by content (not by name), stored outside the web root.

A file is accepted only when its bytes are a PDF, an Office document or an image
AND its extension names that same kind, so a renamed executable or an HTML page
called report.pdf is refused. Files are stored under UPLOAD_DIR with a random key.
"""

from __future__ import annotations

import errno
import io
import logging
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from directory.core.errors import ValidationError

log = logging.getLogger(__name__)

# extension -> (kind detected from content, content type served)
ALLOWED: dict[str, tuple[str, str]] = {
    "pdf": ("pdf", "application/pdf"),
    "png": ("png", "image/png"),
    "jpg": ("jpeg", "image/jpeg"),
    "jpeg": ("jpeg", "image/jpeg"),
    "gif": ("gif", "image/gif"),
    "webp": ("webp", "image/webp"),
    "docx": (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    "doc": ("ole", "application/msword"),
    "xls": ("ole", "application/vnd.ms-excel"),
    "ppt": ("ole", "application/vnd.ms-powerpoint"),
}
_OOXML_PART = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
MAX_FILES = 5


@dataclass
class CheckedFile:
    """An upload that passed the checks, ready to store."""

    filename: str
    content_type: str
    data: bytes


def detect_kind(data: bytes) -> str | None:
    """The kind of file the bytes are, from their signature; None if not allowed."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = zf.namelist()
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" not in names:
            return None
        for kind, prefix in _OOXML_PART.items():
            if any(n.startswith(prefix) for n in names):
                return kind
    return None


def _display_name(raw: str, ext: str) -> str:
    name = secure_filename(raw) or ""
    # secure_filename drops non-ASCII (Chinese) names entirely; keep a readable fallback.
    if not name or "." not in name:
        name = f"attachment.{ext}"
    return name[-200:]


def check(upload: FileStorage) -> CheckedFile:
    """Read and validate one upload; raise ValidationError with a clear message."""
    raw_name = upload.filename or ""
    ext = raw_name.rsplit(".", 1)[-1].lower() if "." in raw_name else ""
    if ext not in ALLOWED:
        raise ValidationError(
            _("不支持的文件类型：%(name)s。可上传 PDF、Office 文档和图片。", name=raw_name[:100]),
            field="files",
        )
    limit = int(current_app.config["ATTACHMENT_MAX_BYTES"])
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            _("文件 %(name)s 太大（上限 %(mb).1f MB）。", name=raw_name[:100], mb=limit / 2**20),
            field="files",
        )
    if not data:
        raise ValidationError(_("文件 %(name)s 是空的。", name=raw_name[:100]), field="files")
    kind, content_type = ALLOWED[ext]
    if detect_kind(data) != kind:
        raise ValidationError(
            _("文件 %(name)s 的内容与扩展名不符，已拒绝。", name=raw_name[:100]), field="files"
        )
    return CheckedFile(_display_name(raw_name, ext), content_type, data)


def check_all(uploads: list[FileStorage]) -> list[CheckedFile]:
    """Validate every non-empty upload of a form (all or nothing)."""
    files = [u for u in uploads if u and u.filename]
    if len(files) > MAX_FILES:
        raise ValidationError(_("一次最多上传 %(n)d 个文件。", n=MAX_FILES), field="files")
    return [check(u) for u in files]


def upload_dir() -> Path:
    """The storage folder (created on first use)."""
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def store(data: bytes) -> str:
    """Write the bytes under a new random key and return the key.

    A full disk (or quota) is a ValidationError on the files field: the form comes back
    with its text kept, the post is not written (the unit of work rolls back and removes
    the files already stored for it), and the operator gets a log line.
    """
    key = secrets.token_hex(16)
    path: Path | None = None
    try:
        path = upload_dir() / key
        path.write_bytes(data)
    except OSError as err:
        if path is not None:
            path.unlink(missing_ok=True)  # a partial file
        if err.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        log.error("attachment not stored: %s (UPLOAD_DIR full)", err.strerror)
        raise ValidationError(
            _("服务器存储空间不足，附件没有保存，帖子也未发布。请稍后再试或联系管理员。"),
            field="files",
        ) from None
    return key


def path_of(key: str) -> Path:
    """Where a stored file lives (keys are hex, so no path tricks are possible)."""
    if not key.isalnum():
        raise ValueError(key)
    return upload_dir() / key


def discard(keys: list[str]) -> None:
    """Remove stored files (after a failed transaction)."""
    for key in keys:
        path_of(key).unlink(missing_ok=True)
