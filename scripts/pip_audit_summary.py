"""Read pip-audit's JSON report (`-f json`) and say what it really covers.

pip-audit prints "No known vulnerabilities found" and exits 0 even when every package was skipped
("could not be audited": the vulnerability service does not know the version, or is unreachable), so
its own summary is never shown. This step counts audited and skipped packages and prints one of:

    AUDITED, CLEAN: N of N packages audited, no known vulnerability        (exit 0)
    audited: A of N packages, no known vulnerability among them            (exit 0)
    NOT AUDITED: S packages (reason)                                       (exit 0, 2 if strict)
    VULNERABLE: V known vulnerabilities in P packages                      (exit 1)

"Could not audit" is a warning, not a failure: CI machines only reach the package registries, and a
check that always fails gets ignored; a vulnerability found always fails. `--strict` (env
SECURITY_AUDIT_STRICT=1 in scripts/security_checks.sh) makes "not audited" fail too, for machines
that do reach the service (a release build).

Usage: pip_audit_summary.py REPORT.json [--rc PIP_AUDIT_EXIT_CODE] [--strict]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

OK, VULNERABLE, NOT_AUDITED = 0, 1, 2


def _reason(text: str) -> str:
    # "Dependency not found on PyPI and could not be audited: anyio (4.16.0)" → one reason per kind
    return re.sub(r":\s*\S+ \([^)]*\)\s*$", "", text or "").strip() or "no reason given"


def summarise(report: dict | None, rc: int = 0, strict: bool = False) -> tuple[list[str], int]:
    """(lines to print, exit code) for a parsed report, or None when pip-audit wrote none."""
    if report is None:
        code = NOT_AUDITED if strict else OK
        return [f"NOT AUDITED: all packages (pip-audit stopped with exit code {rc} and wrote no report: "
                "vulnerability service unreachable or requirements unreadable)"], code
    deps = report.get("dependencies") or []
    skipped = [d for d in deps if "skip_reason" in d]
    audited = [d for d in deps if "skip_reason" not in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    total = len(deps)
    lines = []
    if vulnerable:
        count = sum(len(d["vulns"]) for d in vulnerable)
        lines.append(f"VULNERABLE: {count} known {'vulnerability' if count == 1 else 'vulnerabilities'} "
                     f"in {len(vulnerable)} {'package' if len(vulnerable) == 1 else 'packages'} "
                     f"({len(audited)} of {total} packages audited)")
        for d in vulnerable:
            for v in d["vulns"]:
                fix = ", ".join(v.get("fix_versions") or []) or "none yet"
                lines.append(f"  {d['name']} {d.get('version', '?')}: {v.get('id', '?')} (fixed in: {fix})")
    elif audited and not skipped:
        lines.append(f"AUDITED, CLEAN: {total} of {total} packages audited, no known vulnerability")
    elif audited:
        lines.append(f"audited: {len(audited)} of {total} packages, no known vulnerability among them")
    if skipped:
        reasons = Counter(_reason(d.get("skip_reason", "")) for d in skipped)
        why = "; ".join(f"{n}× {r}" if len(reasons) > 1 else r for r, n in reasons.most_common())
        lines.append(f"NOT AUDITED: {len(skipped)} of {total} packages ({why})")
    if not deps:
        lines.append("NOT AUDITED: the report lists no package")
    if vulnerable:
        return lines, VULNERABLE
    if (skipped or not deps) and strict:
        return lines, NOT_AUDITED
    return lines, OK


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("--rc", type=int, default=0, help="pip-audit's exit code")
    parser.add_argument("--strict", action="store_true", help="packages not audited fail the check (exit 2)")
    args = parser.parse_args(argv)
    try:
        report = json.loads(args.report.read_text())
    except (OSError, ValueError):
        report = None
    lines, code = summarise(report, args.rc, args.strict)
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main())
