"""Import use cases: keep the upload, preview it, and run the import as a background job.

The uploaded file is kept on disk (UPLOAD_DIR/imports, named for its owner and a random
token) between the preview and the confirmation; the database is not touched until the
job applies the plan, all rows in one unit of work.
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _

from directory.core.errors import DomainError, NotFound, PermissionDenied, ValidationError
from directory.core.uow import current as current_uow
from directory.extensions import db
from directory.jobs import Job, job_task, submit
from directory.people.models import Person
from directory.people.permissions import is_any_org_admin
from directory.rosters.applying import apply_plan
from directory.rosters.planning import Plan, plan_import
from directory.rosters.reading import read_upload

KIND = "rosters.import"
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
ALLOWED = (".xlsx", ".csv", ".txt")


def require_importer(actor: Person) -> None:
    if not is_any_org_admin(actor):
        raise PermissionDenied(_("只有组织管理员可以导入花名册。"))


def _folder() -> Path:
    folder = Path(current_app.config["UPLOAD_DIR"]) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _path(owner_id: int, token: str) -> Path:
    if not _TOKEN.match(token or ""):
        raise NotFound(_("导入文件不存在或已过期，请重新上传。"))
    return _folder() / f"{owner_id}-{token}"


def store_upload(actor: Person, filename: str, data: bytes) -> str:
    """Keep an uploaded file for its preview; the token names it (for its owner only)."""
    require_importer(actor)
    name = (filename or "").strip().lower()
    if not name.endswith(ALLOWED):
        raise ValidationError(_("请上传 .xlsx 或 .csv 文件。"), field="file")
    if not data:
        raise ValidationError(_("文件是空的。"), field="file")
    token = secrets.token_hex(16)
    path = _path(actor.id, token)
    path.write_bytes(data)
    path.with_suffix(".name").write_text(name[-100:], encoding="utf-8")
    return token


def load_upload(actor_id: int, token: str) -> tuple[str, bytes]:
    path = _path(actor_id, token)
    if not path.exists():
        raise NotFound(_("导入文件不存在或已过期，请重新上传。"))
    name_file = path.with_suffix(".name")
    name = name_file.read_text(encoding="utf-8") if name_file.exists() else ""
    return name, path.read_bytes()


def discard_upload(actor_id: int, token: str) -> None:
    path = _path(actor_id, token)
    path.unlink(missing_ok=True)
    path.with_suffix(".name").unlink(missing_ok=True)


def preview(actor: Person, token: str) -> tuple[str, Plan]:
    """The plan of a stored upload (nothing written); the file's problems as a ValidationError."""
    require_importer(actor)
    name, data = load_upload(actor.id, token)
    return name, plan_import(actor, read_upload(name, data))


def confirm(actor: Person, token: str, result_url: str) -> Job:
    """Queue the import of a previewed file (checked again by the job)."""
    require_importer(actor)
    load_upload(actor.id, token)  # exists, and is this actor's
    return submit(
        KIND,
        owner_id=actor.id,
        params={"actor_id": actor.id, "token": token, "result_url": result_url},
    )


@job_task(KIND)
def run_import(job: Job, params: dict[str, Any]) -> dict[str, Any]:
    """The import job: plan the stored file again and apply it, every row or none."""
    actor = db.session.get(Person, int(params["actor_id"]))
    if actor is None or not is_any_org_admin(actor):
        raise DomainError(_("导入人已没有管理权限，没有写入任何内容。"))
    token = str(params["token"])
    name, data = load_upload(actor.id, token)
    plan = plan_import(actor, read_upload(name, data))
    if not plan.ok:
        raise DomainError(_("文件中还有问题，没有写入任何内容。请重新上传并查看预览。"))
    job.progress(0, len(plan.rows))
    counts = apply_plan(actor, plan, job.progress)
    uow = current_uow()
    if uow is not None:
        uow.after_commit(lambda: discard_upload(actor.id, token))
    label = _(
        "导入完成：新建 %(c)d 人，更新 %(u)d 人，新建团组织 %(o)d 个，新增职务 %(p)d 条。去搜索查看",
        c=counts["people_created"],
        u=counts["people_updated"],
        o=counts["orgs_created"],
        p=counts["positions"],
    )
    return {"url": str(params.get("result_url") or "/search/"), "label": label, **counts}
