"""The migration (not only create_all) installs the append-only triggers with pruning."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from directory import create_app
from directory.audit.models import AuditEvent
from directory.config import TestConfig
from directory.core import time as clock
from directory.extensions import db
from tests.unit.test_migrations import empty_url  # noqa: F401  (fixture)


def test_upgraded_database_keeps_the_audit_log_append_only(empty_url: str, tmp_path: Path) -> None:  # noqa: F811
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = empty_url
        SEARCH_INDEX_DIR = str(tmp_path / "index")

    app = create_app(Config)
    with app.app_context():
        upgrade()
        now = clock.now()
        with db.engine.begin() as conn:
            for action, at in (("old", now - timedelta(days=1200)), ("new", now)):
                conn.execute(
                    AuditEvent.__table__.insert().values(
                        at=at, action=action, actor_name="", subject_name="", org_name="",
                        org_path="", details={},
                    )
                )  # fmt: skip
        for sql in ("UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"):
            with pytest.raises(sa.exc.DatabaseError), db.engine.begin() as conn:
                conn.execute(sa.text(sql))
        with db.engine.begin() as conn:  # pruning past the floor is allowed
            conn.execute(sa.text("DELETE FROM audit_event WHERE action = 'old'"))
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT action FROM audit_event")).scalars().all() == [
                "new"
            ]
        downgrade(revision="base")
        db.engine.dispose()
