"""Make and restore backup archives.

An archive is a gzipped tar holding `manifest.json` (format, dialect, Alembic revision,
row counts), the database (`database.dump` from `pg_dump --format=custom` on
PostgreSQL, `database.sqlite` from SQLite's online backup API: both consistent while the
app keeps serving) and `uploads/` (the attachments). It is written beside its final name
and renamed when complete, so a crash never leaves a truncated archive under that name.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from directory.core import time as clock
from directory.extensions import db

FORMAT = 1
COUNTED = ("person", "organisation", "group_post", "transfer", "attachment")


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


@dataclass
class Manifest:
    format: int
    created_at: str
    dialect: str
    revision: str | None
    counts: dict[str, int]
    uploads: int

    def to_json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False, indent=2)


def _engine() -> sa.Engine:
    return db.engine


def _pg_env(url: sa.URL) -> dict[str, str]:
    """libpq environment for pg_dump / pg_restore: the password stays out of `ps`."""
    env = {
        "PGHOST": url.host or "",
        "PGPORT": str(url.port or ""),
        "PGUSER": url.username or "",
        "PGPASSWORD": url.password or "",
        "PGDATABASE": url.database or "",
        "PGOPTIONS": str(url.query.get("options", "")),
    }
    return {**os.environ, **{k: v for k, v in env.items() if v}}


def _counts(conn: sa.Connection) -> dict[str, int]:
    names = set(sa.inspect(conn).get_table_names())
    return {
        t: int(conn.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar_one())
        for t in COUNTED
        if t in names
    }


def _revision(conn: sa.Connection) -> str | None:
    if "alembic_version" not in sa.inspect(conn).get_table_names():
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def make_backup(output: Path) -> Manifest:
    """Write an archive of the database and the uploads to `output`."""
    engine = _engine()
    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".backup-") as tmp:
        work = Path(tmp)
        with engine.connect() as conn:
            counts, revision = _counts(conn), _revision(conn)
        if engine.dialect.name == "postgresql":
            db_file = work / "database.dump"
            _run(
                [
                    _tool("pg_dump"),
                    "--format=custom",
                    "--no-owner",
                    "--no-acl",
                    f"--file={db_file}",
                ],
                _pg_env(engine.url),
            )
        elif engine.dialect.name == "sqlite":
            db_file = work / "database.sqlite"
            _sqlite_copy(_sqlite_path(engine), db_file)
        else:
            raise BackupError(f"no backup method for {engine.dialect.name}")
        uploads = (
            sorted(p for p in upload_dir.glob("*") if p.is_file()) if upload_dir.is_dir() else []
        )
        manifest = Manifest(
            format=FORMAT,
            created_at=clock.now().isoformat(timespec="seconds") + "Z",
            dialect=engine.dialect.name,
            revision=revision,
            counts=counts,
            uploads=len(uploads),
        )
        (work / "manifest.json").write_text(manifest.to_json())
        partial = output.with_name(output.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(work / "manifest.json", "manifest.json")
            tar.add(db_file, db_file.name)
            for path in uploads:
                tar.add(path, f"uploads/{path.name}")
        os.replace(partial, output)
    return manifest


def read_manifest(archive: Path) -> Manifest:
    with tarfile.open(archive, "r:gz") as tar:
        member = tar.extractfile("manifest.json")
        if member is None:
            raise BackupError("not a backup archive (no manifest.json)")
        data: dict[str, Any] = json.loads(member.read())
    if data.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {data.get('format')}")
    return Manifest(**data)


def is_empty() -> bool:
    """True when the database holds no people (a new instance, migrated or not)."""
    engine = _engine()
    if engine.dialect.name == "sqlite" and not _sqlite_path(engine).exists():
        return True
    with engine.connect() as conn:
        if "person" not in sa.inspect(conn).get_table_names():
            return True
        return not conn.execute(sa.text("SELECT 1 FROM person LIMIT 1")).first()


def restore_backup(archive: Path) -> Manifest:
    """Replace this instance's database and uploads with the archive's (then reindex)."""
    manifest = read_manifest(archive)
    engine = _engine()
    if manifest.dialect != engine.dialect.name:
        raise BackupError(
            f"the archive holds a {manifest.dialect} database; this instance uses "
            f"{engine.dialect.name}"
        )
    upload_dir = Path(current_app.config["UPLOAD_DIR"])
    with tempfile.TemporaryDirectory(prefix="restore-") as tmp:
        work = Path(tmp)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(work, filter="data")
        db.session.remove()
        engine.dispose()
        if manifest.dialect == "postgresql":
            _run(
                [
                    _tool("pg_restore"),
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-acl",
                    "--single-transaction",
                    "--exit-on-error",
                    f"--dbname={engine.url.database}",
                    str(work / "database.dump"),
                ],
                _pg_env(engine.url),
            )
        else:
            _sqlite_copy(work / "database.sqlite", _sqlite_path(engine))
        upload_dir.mkdir(parents=True, exist_ok=True)
        for path in sorted((work / "uploads").glob("*")):
            shutil.copy2(path, upload_dir / path.name)
    with engine.connect() as conn:
        counts = _counts(conn)
    if counts != manifest.counts:
        raise BackupError(f"restored counts {counts} differ from the archive's {manifest.counts}")
    return manifest


def _sqlite_path(engine: sa.Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup API: a consistent copy even while others write."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst)
    finally:
        src.close()
        dst.close()


def _run(cmd: list[str], env: dict[str, str] | None = None) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise BackupError(f"{Path(cmd[0]).name} failed: {done.stderr.strip()[-800:]}")
