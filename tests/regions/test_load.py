"""Loading the shipped division file, idempotently, through the service and the CLI."""

from __future__ import annotations

import gzip

import pytest
from sqlalchemy import func, select

from directory.core.enums import RegionLevel
from directory.core.errors import ValidationError
from directory.extensions import db
from directory.orgs.models import Organisation
from directory.regions.models import Region
from directory.regions.services import DEFAULT_FILE, load_regions


def level_counts() -> dict[str, int]:
    rows = db.session.execute(select(Region.level, func.count()).group_by(Region.level)).all()
    return {level.value: n for level, n in rows}


def write_tsv(path, rows: list[str]) -> None:
    path.write_bytes(gzip.compress(("code\tname\tparent_code\n" + "\n".join(rows) + "\n").encode()))


def test_real_file_loads_once(app):
    result = load_regions()
    counts = level_counts()
    assert counts["province"] == result["province"] == 31
    assert 330 <= counts["city"] == result["city"] <= 350
    assert 2800 <= counts["county"] == result["county"] <= 3100
    assert 38000 <= counts["township"] == result["township"] <= 45000
    assert result["added"] == sum(counts.values())
    # Parents are wired by code, and the tree is consistent.
    nanchong = db.session.scalar(select(Region).where(Region.code == "5113"))
    assert nanchong.name == "南充市" and nanchong.parent.code == "51"
    orphans = db.session.scalar(
        select(func.count())
        .select_from(Region)
        .where(Region.parent_id.is_(None), Region.level != RegionLevel.PROVINCE)
    )
    assert orphans == 0

    again = load_regions(DEFAULT_FILE)
    assert again["added"] == 0 and again["updated"] == 0
    assert level_counts() == counts


def test_reload_updates_names_and_adds_codes_without_duplicates(app, world, tmp_path):
    path = tmp_path / "r.tsv.gz"
    write_tsv(path, ["51\t四川省\t", "5113\t南充市（新）\t51", "5199\t新市\t51"])
    result = load_regions(path)
    assert result == {"province": 1, "city": 2, "added": 1, "updated": 1}
    db.session.expire_all()
    assert world.nanchong.name == "南充市（新）"
    # Existing rows keep their ids, so organisations stay attached.
    assert db.session.get(Organisation, world.city_org.id).region_id == world.nanchong.id
    assert db.session.scalar(select(func.count()).select_from(Region)) == 6
    assert load_regions(path)["added"] == 0


def test_bad_file_changes_nothing(app, world, tmp_path):
    path = tmp_path / "bad.tsv.gz"
    write_tsv(path, ["52\t贵州省\t", "5201\t贵阳市\t52", "520102\t南明区\t5299"])
    with pytest.raises(ValidationError, match="第 4 行"):
        load_regions(path)
    assert db.session.scalar(select(Region).where(Region.code == "52")) is None


def test_duplicate_code_in_file_is_refused(app, tmp_path):
    path = tmp_path / "dup.tsv.gz"
    write_tsv(path, ["51\t四川省\t", "51\t四川\t"])
    with pytest.raises(ValidationError, match="第 3 行"):
        load_regions(path)
    assert db.session.scalar(select(func.count()).select_from(Region)) == 0


def test_unknown_parent_in_database_is_refused(app, tmp_path):
    path = tmp_path / "villages.tsv"
    path.write_text("511302001001\t模范街社区\t511302001\n", encoding="utf-8")
    with pytest.raises(ValidationError, match="511302001"):
        load_regions(path)
    assert db.session.scalar(select(func.count()).select_from(Region)) == 0


def test_cli_load_prints_counts(runner, tmp_path):
    path = tmp_path / "r.tsv.gz"
    write_tsv(path, ["51\t四川省\t", "5113\t南充市\t51", "511302\t顺庆区\t5113"])
    result = runner.invoke(args=["regions", "load", "--file", str(path)])
    assert result.exit_code == 0, result.output
    assert "province: 1" in result.output and "county: 1" in result.output
    assert "added 3, updated 0" in result.output
    again = runner.invoke(args=["regions", "load", "--file", str(path)])
    assert "added 0, updated 0" in again.output


def test_cli_reports_bad_file(runner, tmp_path):
    path = tmp_path / "broken.tsv.gz"
    path.write_bytes(b"not gzip at all")
    result = runner.invoke(args=["regions", "load", "--file", str(path)])
    assert result.exit_code == 1
    assert "无法读取地区文件" in result.output
