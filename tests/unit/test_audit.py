"""scripts/audit.py: skipped when the advisory service cannot be used, failing on a
vulnerable pin when it can. A stand-in pip-audit plays the service (no network here)."""

from __future__ import annotations

import importlib.util
import os
import stat
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FAKE = """#!{python}
import json, os, sys
args = sys.argv[1:]
req = open(args[args.index("-r") + 1]).read().split()
out = args[args.index("--output") + 1]
mode = os.environ["FAKE_AUDIT_MODE"]
if mode == "offline":
    sys.stderr.write("ConnectionError: Max retries exceeded\\n")
    sys.exit(1)
known_bad = {{"jinja2==2.10": "PYSEC-2019-217", "flask==0.12.2": "PYSEC-2018-66"}}
deps = []
for pin in req:
    name, version = pin.split("==")
    if mode == "mirror":
        deps.append({{"name": name, "skip_reason": "Dependency not found on PyPI"}})
        continue
    vulns = [{{"id": known_bad[pin], "fix_versions": []}}] if pin in known_bad else []
    deps.append({{"name": name, "version": version, "vulns": vulns}})
json.dump({{"dependencies": deps, "fixes": []}}, open(out, "w"))
sys.exit(1 if any(d.get("vulns") for d in deps) else 0)
"""


@pytest.fixture
def audit(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("audit_script", ROOT / "scripts" / "audit.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fake = tmp_path / "pip-audit"
    fake.write_text(FAKE.format(python=sys.executable))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)

    def run(mode: str, pins: list[str]) -> int:
        monkeypatch.setenv("FAKE_AUDIT_MODE", mode)
        monkeypatch.setattr(module, "freeze", lambda python: pins)
        monkeypatch.setattr(sys, "argv", ["audit.py", "--pip-audit", str(fake)])
        return int(module.main())

    return run


def test_a_vulnerable_pin_fails_when_the_service_answers(audit, capsys):
    assert audit("online", ["flask==0.12.2", "nh3==0.3.8"]) == 1
    out = capsys.readouterr().out
    assert "VULNERABLE flask 0.12.2: PYSEC-2018-66" in out
    assert "2 pins audited, 1 vulnerable" in out


def test_clean_pins_pass(audit, capsys):
    assert audit("online", ["flask==3.1.3", "nh3==0.3.8"]) == 0
    assert "2 pins audited, 0 vulnerable" in capsys.readouterr().out


@pytest.mark.parametrize("mode", ["offline", "mirror"])
def test_unreachable_or_empty_service_is_skipped_not_failed(audit, capsys, mode):
    assert audit(mode, ["flask==0.12.2"]) == 0
    assert "pip-audit SKIPPED" in capsys.readouterr().out


def test_the_real_freeze_lists_our_pins():
    spec = importlib.util.spec_from_file_location("audit_script2", ROOT / "scripts" / "audit.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    pins = module.freeze(sys.executable)
    assert any(p.lower().startswith("flask==") for p in pins)
    assert not any(p.startswith("-e") or p.split("==")[0] == "directory" for p in pins)
    assert os.path.exists(sys.executable)
