#!/usr/bin/env bash
# Backup and restore drill, as documented in docs/deploy.md, on both databases:
#   PostgreSQL: pg_dump -Fc, pg_restore into an empty database;
#   SQLite:     online ".backup" (safe while the server runs, WAL included), copy back.
# Each time: migrate, load the demo world, back up, restore elsewhere, then compare the row count
# of every table and check that no migration is missing. Exits non-zero on any difference.
#
#   scripts/backup_restore_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-$PWD/.venv/bin/python}"

if [ -z "${DATABASE_URL:-}" ]; then
    exec scripts/with_services.sh "$0" "$@"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/helpdesk-backup.XXXXXX")"
chmod 755 "$WORK"
trap 'rm -rf "$WORK"' EXIT
export HELPDESK_DATA_DIR="$WORK/data" SECRET_KEY="backup-check-not-secret" ALLOWED_HOSTS=localhost
mkdir -p "$HELPDESK_DATA_DIR"

counts() {  # one "app.Model rows" line per model, sorted
    "$PY" manage.py shell -v 0 -c '
from django.apps import apps
for model in sorted(apps.get_models(), key=lambda m: m._meta.label):
    if model._meta.managed and not model._meta.proxy:
        print(model._meta.label, model._default_manager.count())
'
}

prepare() {
    "$PY" manage.py migrate --noinput -v 0
    "$PY" manage.py seed_demo --force >/dev/null
}

compare() {  # $1 label, $2 before file, $3 after file
    if ! diff -u "$2" "$3"; then
        echo "[backup-check] $1: restored data differ from the original" >&2
        exit 1
    fi
    local rows
    rows=$(awk '{ s += $2 } END { print s }' "$3")
    "$PY" manage.py migrate --check -v 0
    echo "[backup-check] $1: $(wc -l <"$3") tables, $rows rows restored identically"
}

# --- PostgreSQL ------------------------------------------------------------------------------
PG_URL="$DATABASE_URL"
RESTORE_URL="${PG_URL%/*}/helpdesk_restore"
(
    export HELPDESK_PROFILE=production DATABASE_URL="$PG_URL"
    prepare
    counts >"$WORK/pg-before.txt"
    start=$(date +%s%N)
    pg_dump --format=custom --no-owner --file="$WORK/helpdesk.dump" "$DATABASE_URL"
    echo "[backup-check] pg_dump: $(( ($(date +%s%N) - start) / 1000000 )) ms, $(stat -c %s "$WORK/helpdesk.dump") bytes"
    psql -q "$DATABASE_URL" -c "DROP DATABASE IF EXISTS helpdesk_restore" -c "CREATE DATABASE helpdesk_restore"
    start=$(date +%s%N)
    pg_restore --no-owner --exit-on-error --dbname="$RESTORE_URL" "$WORK/helpdesk.dump"
    echo "[backup-check] pg_restore: $(( ($(date +%s%N) - start) / 1000000 )) ms"
    export DATABASE_URL="$RESTORE_URL"
    counts >"$WORK/pg-after.txt"
    compare PostgreSQL "$WORK/pg-before.txt" "$WORK/pg-after.txt"
)

# --- SQLite (embedded profile) -----------------------------------------------------------------
(
    unset DATABASE_URL REDIS_URL HELPDESK_PROFILE
    export SQLITE_PATH="$WORK/data/helpdesk.sqlite3"
    prepare
    counts >"$WORK/sqlite-before.txt"
    if command -v sqlite3 >/dev/null; then
        sqlite3 "$SQLITE_PATH" ".backup '$WORK/backup.sqlite3'"
    else  # the same online backup API, through Python
        "$PY" -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).backup(sqlite3.connect(sys.argv[2]))' \
            "$SQLITE_PATH" "$WORK/backup.sqlite3"
    fi
    "$PY" -c 'import sqlite3, sys; r = sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0]; sys.exit(r != "ok")' \
        "$WORK/backup.sqlite3"
    # Restore: the server is stopped, the backup replaces the file (and its stale -wal/-shm).
    mkdir -p "$WORK/restored"
    cp "$WORK/backup.sqlite3" "$WORK/restored/helpdesk.sqlite3"
    export SQLITE_PATH="$WORK/restored/helpdesk.sqlite3"
    counts >"$WORK/sqlite-after.txt"
    compare SQLite "$WORK/sqlite-before.txt" "$WORK/sqlite-after.txt"
)
echo "[backup-check] backup and restore verified on PostgreSQL and SQLite"
