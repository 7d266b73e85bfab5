"""scripts/build_regions.py on a tiny package made in a temporary directory."""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "build_regions", ROOT / "scripts" / "build_regions.py"
)
assert _spec and _spec.loader
build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build)

FILES = {
    "provinces.csv": 'code,name\n51,"四川省"\n11,"北京市"\n',
    "cities.csv": 'code,name,provinceCode\n5113,"南充市",51\n1101,"市辖区",11\n',
    "areas.csv": 'code,name,cityCode,provinceCode\n511302,"顺庆区",5113,51\n110101,"东城区",1101,11\n',
    "streets.csv": (
        "code,name,areaCode,provinceCode,cityCode\n"
        '511302002,"舞凤街道",511302,51,5113\n'
        '511302001,"中城街道",511302,51,5113\n'
        '110101001,"东华门街道",110101,11,1101\n'
    ),
    "villages.csv": 'code,name,streetCode\n511302001001,"模范街社区居委会",511302001\n',
}


def make_package(tmp_path: Path, **overrides: str) -> Path:
    dist = tmp_path / "package" / "dist"
    dist.mkdir(parents=True)
    for name, text in {**FILES, **overrides}.items():
        (dist / name).write_text(text, encoding="utf-8")
    return tmp_path / "package"


def read_out(path: Path) -> list[str]:
    return gzip.decompress(path.read_bytes()).decode("utf-8").splitlines()


def test_builds_sorted_tsv_without_villages(tmp_path, capsys):
    out = tmp_path / "regions.tsv.gz"
    assert build.main([str(make_package(tmp_path)), "--out", str(out)]) == 0
    lines = read_out(out)
    assert lines[0] == "code\tname\tparent_code"
    assert lines[1:] == [
        "11\t北京市\t",
        "1101\t市辖区\t11",
        "110101\t东城区\t1101",
        "110101001\t东华门街道\t110101",
        "51\t四川省\t",
        "5113\t南充市\t51",
        "511302\t顺庆区\t5113",
        "511302001\t中城街道\t511302",
        "511302002\t舞凤街道\t511302",
    ]
    assert "模范街" not in "\n".join(lines)
    assert "wrote 9 regions" in capsys.readouterr().out


def test_output_is_deterministic(tmp_path):
    package = make_package(tmp_path)
    first, second = tmp_path / "a.tsv.gz", tmp_path / "b.tsv.gz"
    build.main([str(package), "--out", str(first)])
    build.main([str(package), "--out", str(second)])
    assert first.read_bytes() == second.read_bytes()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"cities.csv": 'code,name,provinceCode\n5113,"南充市",52\n1101,"市辖区",11\n'}, "parent"),
        (
            {"areas.csv": 'code,name,cityCode,provinceCode\n51130,"顺庆区",5113,51\n'},
            "not 6 digits",
        ),
        ({"provinces.csv": 'code,name\n51,""\n11,"北京市"\n'}, "bad name"),
        ({"provinces.csv": 'code,name\n51,"四川省"\n51,"四川"\n'}, "duplicate"),
    ],
)
def test_rejects_bad_rows(tmp_path, capsys, overrides, message):
    out = tmp_path / "out.tsv.gz"
    assert build.main([str(make_package(tmp_path, **overrides)), "--out", str(out)]) == 1
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_rejects_missing_file(tmp_path, capsys):
    package = make_package(tmp_path)
    (package / "dist" / "streets.csv").unlink()
    assert build.main([str(package), "--out", str(tmp_path / "x.gz")]) == 1
    assert "streets.csv" in capsys.readouterr().err
