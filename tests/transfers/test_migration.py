"""The migration (not only create_all) installs the append-only triggers and the open index."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from directory import create_app
from directory.config import TestConfig
from directory.extensions import db
from tests.unit.test_migrations import empty_url  # noqa: F401  (fixture)


def test_upgraded_database_refuses_audit_edits(empty_url: str, tmp_path: Path) -> None:  # noqa: F811
    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = empty_url
        SEARCH_INDEX_DIR = str(tmp_path / "index")

    app = create_app(Config)
    with app.app_context():
        upgrade()
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO region (id, code, name, level) VALUES (1, '51', 'x', 'province')"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO organisation (id, name, level, region_id, path) "
                    "VALUES (1, 'a', 'branch', 1, '/1/'), (2, 'b', 'branch', 1, '/2/')"
                )
            )
            conn.execute(
                sa.text(
                    "INSERT INTO person (id, name, name_pinyin, email, session_token, is_admin, "
                    "is_active_account, bio, phone_visibility, email_visibility, wechat_visibility) "
                    "VALUES (1, 'p', 'p', 'p@example.org', 't', false, true, '', 'shared', 'shared', "
                    "'shared')"
                )
            )
            row = (
                "INSERT INTO transfer (person_id, from_org_id, to_org_id, requested_by_id, reason, "
                "note, state, version, return_reason, end_positions, state_since) VALUES "
                "(1, 1, 2, 1, 'job', '', '{state}', 1, '', false, CURRENT_TIMESTAMP)"
            )
            conn.execute(sa.text(row.format(state="submitted")))
            conn.execute(
                sa.text(
                    "INSERT INTO transfer_event (transfer_id, action, to_state, note, at) "
                    "VALUES (1, 'submit', 'submitted', '', CURRENT_TIMESTAMP)"
                )
            )
        for sql in ("UPDATE transfer_event SET note = 'x'", "DELETE FROM transfer_event"):
            with pytest.raises(sa.exc.DatabaseError), db.engine.begin() as conn:
                conn.execute(sa.text(sql))
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as conn:
            conn.execute(sa.text(row.format(state="returned")))  # a second open transfer
        with db.engine.begin() as conn:  # a closed one is fine
            conn.execute(sa.text(row.format(state="withdrawn")))
        downgrade(revision="base")
        db.engine.dispose()
