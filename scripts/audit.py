"""Audit the pinned dependencies with pip-audit, tolerating an unreachable advisory database.

    python scripts/audit.py [--python .venv/bin/python] [--pip-audit PATH]

What is audited: every distribution installed in the project's virtualenv (`pip freeze`,
so the exact pins of pyproject.toml and the versions resolved for their dependencies),
without installing anything (`--no-deps --disable-pip`).

Offline tolerance, decided before the audit: a probe asks the advisory service about a
pin known to be vulnerable (jinja2 2.10). If the service cannot be reached, or answers
without advisories (a mirror without vulnerability data), the audit is SKIPPED with a
loud message and exit 0: CI must not fail for want of a network. If the probe finds the
known advisory, the service works, and any vulnerable pin of ours fails the run (exit 1).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

PROBE = "jinja2==2.10"  # CVE-2019-10906 and others: every advisory service knows it


def freeze(python: str) -> list[str]:
    out = subprocess.run(
        [python, "-m", "pip", "freeze", "--exclude-editable", "--disable-pip-version-check"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [line for line in out.splitlines() if "==" in line and not line.startswith("-e")]


def run_pip_audit(pip_audit: str, pins: list[str]) -> tuple[int, dict | None, str]:
    """(exit code, parsed JSON report or None, stderr) for these pins."""
    with tempfile.TemporaryDirectory() as tmp:
        req = Path(tmp) / "requirements.txt"
        req.write_text("\n".join(pins) + "\n")
        report = Path(tmp) / "report.json"
        done = subprocess.run(
            [
                pip_audit,
                "-r",
                str(req),
                "--no-deps",
                "--disable-pip",
                "--progress-spinner",
                "off",
                "--format",
                "json",
                "--output",
                str(report),
                "--timeout",
                "20",
            ],
            capture_output=True,
            text=True,
            timeout=600,
        )
        data = json.loads(report.read_text()) if report.exists() else None
    return done.returncode, data, done.stderr


def vulnerable(data: dict) -> list[str]:
    """'name version: ids' for every dependency with an advisory."""
    return [
        f"{d['name']} {d.get('version', '?')}: {', '.join(v['id'] for v in d['vulns'])}"
        for d in data.get("dependencies", [])
        if d.get("vulns")
    ]


def unaudited(data: dict) -> list[str]:
    return [d["name"] for d in data.get("dependencies", []) if d.get("skip_reason")]


def service_works(pip_audit: str) -> tuple[bool, str]:
    """True when the advisory service reports the known advisory of the probe pin."""
    try:
        _code, data, err = run_pip_audit(pip_audit, [PROBE])
    except (subprocess.TimeoutExpired, OSError) as exc:
        return False, f"pip-audit did not run: {exc}"
    if data is None:
        return False, (err.strip().splitlines() or ["no report"])[-1]
    if vulnerable(data):
        return True, "ok"
    if unaudited(data):
        return False, "the service does not know the probe pin (a mirror without advisories?)"
    return False, f"the service reports no advisory for {PROBE}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=".venv/bin/python")
    parser.add_argument("--pip-audit", default="pip-audit")
    args = parser.parse_args()
    ok, why = service_works(args.pip_audit)
    if not ok:
        print(f"pip-audit SKIPPED: advisory database unreachable or empty ({why})")
        return 0
    pins = freeze(args.python)
    _code, data, err = run_pip_audit(args.pip_audit, pins)
    if data is None:
        print(f"pip-audit SKIPPED: the audit itself could not reach the service ({err[-300:]})")
        return 0
    bad = vulnerable(data)
    for line in bad:
        print(f"VULNERABLE {line}")
    skipped = unaudited(data)
    print(
        f"pip-audit: {len(pins)} pins audited, {len(bad)} vulnerable, "
        f"{len(skipped)} not known to the service"
    )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
