"""Roster use cases: export (audited). Import lives in rosters/importing.py."""

from __future__ import annotations

import re

from flask_babel import gettext as _

from directory import audit
from directory.core import time as clock
from directory.core.errors import ValidationError
from directory.core.memory import gc_paused
from directory.core.uow import unit_of_work
from directory.extensions import db
from directory.people.models import Person
from directory.rosters.export import FORMATS, WRITERS, Stamp
from directory.rosters.scopes import Roster

_UNSAFE = re.compile(r"[^\w.\-]+")  # keeps the dot before the extension


def check_format(fmt: str) -> str:
    """One of xlsx, csv, vcf (400 otherwise)."""
    if fmt not in FORMATS:
        raise ValidationError(_("不支持的导出格式。"), field="format")
    return fmt


def export(viewer: Person, roster: Roster, fmt: str) -> tuple[bytes, str, str]:
    """The file (bytes, mimetype, ASCII file name); the export is written to the audit log."""
    check_format(fmt)
    now = clock.now()
    stamp = Stamp(viewer.name, now, roster.title)
    with gc_paused():
        data = WRITERS[fmt](viewer, roster, stamp)
    # The roster's thousands of objects are done with: committing the audit row need not
    # expire each of them (expiring 10,000 people and their posts costs seconds).
    session = db.session()
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        record_export(viewer, roster, fmt)
    finally:
        session.expire_on_commit = expire
    mimetype, ext = FORMATS[fmt]
    name = f"roster-{roster.kind}-{now:%Y%m%d-%H%M}.{ext}"
    return data, mimetype, _UNSAFE.sub("-", name)


def record_export(viewer: Person, roster: Roster, fmt: str) -> None:
    """Write one `roster.export` row (committed now): every way out of the directory is
    audited alike, the pages' files and the API's JSON (`fmt` "json")."""
    with unit_of_work():
        audit.record(
            "roster.export",
            actor=viewer,
            org=roster.org,
            details={
                **roster.details,
                "scope": roster.kind,
                "title": roster.title[:100],
                "format": fmt,
                "rows": len(roster.people),
                "truncated": roster.truncated,
            },
        )
