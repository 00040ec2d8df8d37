"""scripts/pip_audit_summary.py tells "audited, clean" from "could not audit" (issue 16, item 12)."""

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "pip_audit_summary.py"

# What pip-audit wrote in CI: every package skipped, and it still said "No known vulnerabilities found".
ALL_SKIPPED = {"dependencies": [
    {"name": "anyio", "skip_reason": "Dependency not found on PyPI and could not be audited: anyio (4.16.0)"},
    {"name": "django", "skip_reason": "Dependency not found on PyPI and could not be audited: django (5.2.19)"},
    {"name": "helpdesk", "skip_reason": "Dependency not found on PyPI and could not be audited: helpdesk (0.1)"},
], "fixes": []}

SOME_AUDITED_ONE_VULNERABLE = {"dependencies": [
    {"name": "asgiref", "version": "3.13.0", "vulns": []},
    {"name": "django", "version": "5.2.0", "vulns": [
        {"id": "PYSEC-2025-1", "fix_versions": ["5.2.1"], "aliases": ["CVE-2025-0001"], "description": "…"}]},
    {"name": "helpdesk", "skip_reason": "Dependency not found on PyPI and could not be audited: helpdesk (0.1)"},
], "fixes": []}

ALL_AUDITED = {"dependencies": [
    {"name": "asgiref", "version": "3.13.0", "vulns": []},
    {"name": "django", "version": "5.2.19", "vulns": []},
], "fixes": []}


def run(tmp_path, report, *args):
    path = tmp_path / "report.json"
    path.write_text(json.dumps(report) if isinstance(report, dict) else report)
    result = subprocess.run([sys.executable, str(SCRIPT), str(path), *args],
                            capture_output=True, text=True, timeout=60)
    return result.stdout, result.returncode


def test_all_skipped_is_not_audited_and_never_clean(tmp_path):
    out, code = run(tmp_path, ALL_SKIPPED)
    assert out.splitlines() == ["NOT AUDITED: 3 of 3 packages (Dependency not found on PyPI and could not be audited)"]
    assert "clean" not in out.lower() and "no known vulnerabilit" not in out.lower()
    assert code == 0  # a warning: CI reaches only the registries


def test_all_skipped_fails_in_strict_mode(tmp_path):
    out, code = run(tmp_path, ALL_SKIPPED, "--strict")
    assert out.startswith("NOT AUDITED: 3 of 3 packages")
    assert code == 2


def test_some_audited_one_vulnerable_fails_and_counts_both(tmp_path):
    out, code = run(tmp_path, SOME_AUDITED_ONE_VULNERABLE)
    assert out.splitlines() == [
        "VULNERABLE: 1 known vulnerability in 1 package (2 of 3 packages audited)",
        "  django 5.2.0: PYSEC-2025-1 (fixed in: 5.2.1)",
        "NOT AUDITED: 1 of 3 packages (Dependency not found on PyPI and could not be audited)",
    ]
    assert code == 1


def test_clean_only_when_every_package_was_audited(tmp_path):
    out, code = run(tmp_path, ALL_AUDITED)
    assert (out.strip(), code) == ("AUDITED, CLEAN: 2 of 2 packages audited, no known vulnerability", 0)
    partial = {"dependencies": ALL_AUDITED["dependencies"] + ALL_SKIPPED["dependencies"][:1]}
    out, code = run(tmp_path, partial)
    assert out.splitlines()[0] == "audited: 2 of 3 packages, no known vulnerability among them"
    assert "CLEAN" not in out and "NOT AUDITED: 1 of 3 packages" in out and code == 0


def test_no_report_is_not_audited(tmp_path):
    out, code = run(tmp_path, "", "--rc", "1")
    assert out.startswith("NOT AUDITED: all packages (pip-audit stopped with exit code 1")
    assert code == 0
    assert run(tmp_path, "", "--rc", "1", "--strict")[1] == 2
