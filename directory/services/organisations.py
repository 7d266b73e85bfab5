"""Organisations: look-up and resolution of what a user typed into an organisation field."""

from __future__ import annotations

import re

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from directory.extensions import db
from directory.models import Organisation
from directory.services.errors import NotFound, ValidationError

_REF = re.compile(r"#(\d{1,12})\s*$")


def org_reference(org: Organisation) -> str:
    """The text an organisation field shows and accepts back: "共青团南充市委 #12"."""
    return f"{org.name} #{org.id}"


def lookup(text: str, limit: int = 15) -> list[Organisation]:
    """Live (not dissolved) organisations whose name contains `text`, shortest names first."""
    text = text.strip()[:100]
    if not text:
        return []
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return list(
        db.session.scalars(
            select(Organisation)
            .options(joinedload(Organisation.region))
            .where(
                Organisation.name.like(f"%{escaped}%", escape="\\"),
                Organisation.dissolved_at.is_(None),
            )
            .order_by(db.func.length(Organisation.name), Organisation.id)
            .limit(limit)
        )
    )


def resolve_org_reference(text: str, *, allow_dissolved: bool = False) -> Organisation:
    """Turn "name #id", a bare id or an exact unique name into an Organisation."""
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("请选择团组织。"))
    m = _REF.search(text)
    org: Organisation | None
    if m or text.isdigit():
        org = db.session.get(Organisation, int(m.group(1) if m else text))
    else:
        matches = list(
            db.session.scalars(select(Organisation).where(Organisation.name == text).limit(2))
        )
        if len(matches) > 1:
            raise ValidationError(_("有多个同名团组织，请从列表中选择。"))
        org = matches[0] if matches else None
    if org is None:
        raise NotFound(_("团组织不存在：%(text)s", text=text[:100]))
    if org.is_dissolved and not allow_dissolved:
        raise ValidationError(_("团组织“%(name)s”已撤销。", name=org.name))
    return org
