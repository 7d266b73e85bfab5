"""Several processes (like gunicorn workers) write through one Whoosh index at once."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select

from directory.extensions import db
from directory.search.models import SearchOutbox
from tests.conftest import PG_URL
from tests.search.helpers import names

WORKER = textwrap.dedent(
    """
    import sys
    from directory import create_app
    from directory.config import TestConfig
    from directory.extensions import db
    from directory.people.models import Person

    class Config(TestConfig):
        SQLALCHEMY_DATABASE_URI = sys.argv[1]
        SEARCH_INDEX_DIR = sys.argv[2]
        SEARCH_LOCK_TIMEOUT = 0.2

    app = create_app(Config)
    tag = sys.argv[3]
    with app.app_context():
        for i in range(8):
            db.session.add(Person(name=f"进程{tag}{i}", email=f"w{tag}{i}@example.org"))
            db.session.commit()  # each commit drains, or leaves the rows if the lock is busy
    print("ok")
    """
)


@pytest.mark.skipif(bool(PG_URL), reason="the workers share a SQLite file")
def test_two_processes_share_one_index(app, directory, tmp_path: Path) -> None:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    index_dir = app.config["SEARCH_INDEX_DIR"]
    root = Path(__file__).resolve().parents[2]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, url, index_dir, tag],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in ("甲", "乙")
    ]
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        assert out.strip() == "ok"
        assert "LockError" not in err and "Traceback" not in err
    # Whatever a busy lock left behind is drained by the next search.
    expected = {f"进程{tag}{i}" for tag in ("甲", "乙") for i in range(8)}
    assert set(names(directory.cadre, q="进程")) == expected
    assert db.session.scalar(select(func.count()).select_from(SearchOutbox)) == 0
