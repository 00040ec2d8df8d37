#!/usr/bin/env bash
# Security checks run by CI (.ci/run); fails on any finding:
#   1. Django's deployment checks with the production profile (warnings are failures);
#   2. pip-audit: known vulnerabilities in the pinned dependencies (requirements.lock, PyPI advisories);
#   3. bandit: our Python code (config .bandit.yml; tests, migrations and benches excluded).
# pip-audit says "No known vulnerabilities found" even when it audited nothing (every package skipped:
# the service does not know the version or is unreachable), so its summary is hidden and
# scripts/pip_audit_summary.py reads its JSON report instead: "AUDITED, CLEAN" only when every package
# was audited, "NOT AUDITED: N packages (reason)" otherwise. Not audited is a warning (CI reaches only
# the registries; a check that always fails gets ignored), a vulnerability always fails;
# SECURITY_AUDIT_STRICT=1 makes "not audited" fail too (exit 2), for machines that reach the service.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

echo "::: manage.py check --deploy (production profile)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
env -u DATABASE_URL -u REDIS_URL HELPDESK_PROFILE=production \
    SECRET_KEY="$($PY -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    ALLOWED_HOSTS=assistance.example.org HELPDESK_DATA_DIR="$tmp" \
    $PY manage.py check --deploy --fail-level WARNING

echo "::: pip-audit (requirements.lock)"
audit_rc=0
$PY -m pip_audit --progress-spinner off --requirement requirements.lock --disable-pip --no-deps \
    --vulnerability-service pypi -f json -o "$tmp/pip-audit.json" >"$tmp/pip-audit.log" 2>&1 || audit_rc=$?
if [ ! -s "$tmp/pip-audit.json" ]; then
    grep -v "No known vulnerabilities found" "$tmp/pip-audit.log" | tail -n 20 || true
fi
strict=""
[ "${SECURITY_AUDIT_STRICT:-0}" = 1 ] && strict=--strict
$PY scripts/pip_audit_summary.py "$tmp/pip-audit.json" --rc "$audit_rc" $strict

echo "::: bandit"
$PY -m bandit -q -c .bandit.yml -r api charter core directory evolutions helpdesk journal knowledge mailin pilotage privacy sla tickets web
