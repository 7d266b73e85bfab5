"""Attachments: type checked by content, size limit, stored outside static, served to readers only."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from directory.extensions import db
from directory.groups.attachments import detect_kind
from directory.groups.models import GroupVisibility, JoinPolicy
from directory.groups.post_models import Attachment, Post, Thread
from tests.groups.conftest import make_group, make_thread

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _docx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<document/>")
    return buf.getvalue()


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("evil.exe", "MZ")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (PDF, "pdf"),
        (PNG, "png"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 8, "jpeg"),
        (b"GIF89a" + b"\x00" * 8, "gif"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "webp"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 8, "ole"),
        (_docx(), "docx"),
        (_zip(), None),
        (b"<html><script>alert(1)</script></html>", None),
        (b"MZ\x90\x00", None),
        (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", None),
    ],
)
def test_detect_kind(data: bytes, kind: str | None) -> None:
    assert detect_kind(data) == kind


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Attachment)) or 0


def test_attach_and_download_as_member(app, client, auth, owner, member) -> None:  # type: ignore[no-untyped-def]
    group = make_group(owner, "内部群", JoinPolicy.REQUEST, GroupVisibility.MEMBERS, (member,))
    thread = make_thread(owner, group)
    auth.login(member)
    response = client.post(
        f"/groups/threads/{thread.id}/reply",
        data={
            "body": "材料见附件",
            "files": [(io.BytesIO(PDF), "report.pdf"), (io.BytesIO(_docx()), "方案.docx")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    items = db.session.scalars(select(Attachment).order_by(Attachment.id)).all()
    assert [a.content_type for a in items] == [
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ]
    upload_dir = Path(app.config["UPLOAD_DIR"])
    assert (upload_dir / items[0].storage_key).read_bytes() == PDF
    static = Path(app.static_folder or "")
    assert static not in upload_dir.parents
    page = client.get(f"/groups/threads/{thread.id}").get_data(as_text=True)
    assert "report.pdf" in page
    download = client.get(f"/groups/attachments/{items[0].id}/report.pdf")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    assert "no-store" in download.headers["Cache-Control"]
    download.close()


def test_outsider_cannot_download(client, auth, owner, member, outsider) -> None:  # type: ignore[no-untyped-def]
    group = make_group(owner, "内部群", JoinPolicy.REQUEST, GroupVisibility.MEMBERS, (member,))
    thread = make_thread(owner, group)
    auth.login(member)
    client.post(
        f"/groups/threads/{thread.id}/reply",
        data={"body": "图", "files": [(io.BytesIO(PNG), "a.png")]},
        content_type="multipart/form-data",
    )
    item = db.session.scalar(select(Attachment))
    auth.logout()
    auth.login(outsider)
    assert client.get(f"/groups/attachments/{item.id}/a.png").status_code == 404
    assert client.get("/groups/attachments/9999/a.png").status_code == 404


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("report.pdf", b"<html><script>alert(1)</script></html>", "内容与扩展名不符"),
        ("photo.png", PDF, "内容与扩展名不符"),
        ("tool.exe", b"MZ\x90\x00", "不支持的文件类型"),
        ("drawing.svg", b"<svg/>", "不支持的文件类型"),
        ("page.html", b"<html></html>", "不支持的文件类型"),
        ("empty.pdf", b"", "是空的"),
        ("archive.docx", _zip(), "内容与扩展名不符"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_written(
    app, client, auth, owner, member, name, data, message
) -> None:  # type: ignore[no-untyped-def]
    group = make_group(owner, "开放群", members=(member,))
    thread = make_thread(owner, group)
    posts_before = db.session.scalar(select(func.count()).select_from(Post))
    auth.login(member)
    response = client.post(
        f"/groups/threads/{thread.id}/reply",
        data={"body": "附件", "files": [(io.BytesIO(data), name)]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _count() == 0
    assert db.session.scalar(select(func.count()).select_from(Post)) == posts_before
    upload_dir = Path(app.config["UPLOAD_DIR"])
    assert not upload_dir.exists() or not any(upload_dir.iterdir())


def test_size_limit_is_configurable(app, client, auth, owner, member) -> None:  # type: ignore[no-untyped-def]
    app.config["ATTACHMENT_MAX_BYTES"] = 1024
    group = make_group(owner, "开放群", members=(member,))
    auth.login(member)
    response = client.post(
        f"/groups/{group.id}/threads/new",
        data={
            "title": "大文件",
            "body": "见附件",
            "files": [(io.BytesIO(PDF + b"0" * 2000), "big.pdf")],
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and "太大" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Thread)) == 0
