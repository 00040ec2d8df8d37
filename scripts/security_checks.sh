#!/usr/bin/env bash
# Security checks run by CI (.ci/run); fails on any finding:
#   1. Django's deployment checks with the production profile (warnings are failures);
#   2. pip-audit: known vulnerabilities in the pinned dependencies (requirements.lock, PyPI advisories);
#   3. bandit: our Python code (config .bandit.yml; tests, migrations and benches excluded).
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
$PY -m pip_audit --progress-spinner off --requirement requirements.lock --disable-pip --no-deps

echo "::: bandit"
$PY -m bandit -q -c .bandit.yml -r api core directory helpdesk journal privacy sla tickets web
