#!/usr/bin/env bash
# The whole suite in the production profile, on PostgreSQL and Redis (see scripts/with_services.sh).
#
#   scripts/test_postgres.sh [pytest args...]
#
# Everything the production profile needs comes from the environment, as in a deployment, except:
# - the HTTPS redirect is off: the test client and the live server speak plain HTTP;
# - static files keep their plain names (tests and channels' live-server handler look them up so);
#   the hashed WhiteNoise storage is checked by scripts/production_check.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"

if [ -z "${DATABASE_URL:-}" ] || [ -z "${REDIS_URL:-}" ]; then
    exec scripts/with_services.sh "$0" "$@"
fi

DATA_DIR="$(mktemp -d "${TMPDIR:-/tmp}/helpdesk-test-data.XXXXXX")"
trap 'rm -rf "$DATA_DIR"' EXIT

export HELPDESK_PROFILE=production
export HELPDESK_DATA_DIR="$DATA_DIR"
export SECRET_KEY="test-postgres-$(date +%s)-not-secret"
export ALLOWED_HOSTS="testserver,localhost,127.0.0.1"
export SECURE_SSL_REDIRECT=0
export HELPDESK_STATIC_MANIFEST=0
export EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"

start=$(date +%s)
# Tests marked `product` start `manage.py serve` in the embedded profile, as `make run` does: they ran
# in `make test` already and do not depend on this profile.
"$PY" -m pytest -m "not product" "$@"
echo "[test-postgres] suite on PostgreSQL + Redis: $(( $(date +%s) - start )) s"
