#!/usr/bin/env bash
# Run a command with a throw-away PostgreSQL and Redis on the loopback interface.
#
#   scripts/with_services.sh <command> [args...]
#
# Installs the Debian packages if missing (needs root and a Debian mirror), starts both servers
# as an unprivileged user in a temporary directory on free loopback ports, exports DATABASE_URL
# and REDIS_URL to the command, then stops the servers and removes the directory on exit, whatever
# the command's outcome. The command's exit status is returned.
#
# The PostgreSQL cluster trades durability for speed (fsync off): it is for tests and benchmarks
# only, never for data you want to keep.
set -euo pipefail

if [ "$#" -eq 0 ]; then
    echo "usage: $0 <command> [args...]" >&2
    exit 2
fi

log() { echo "[with_services] $*" >&2; }

pg_bindir() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

install_packages() {
    local missing=()
    pg_bindir >/dev/null || missing+=(postgresql)
    command -v redis-server >/dev/null || missing+=(redis-server)
    [ "${#missing[@]}" -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "Missing Debian packages: ${missing[*]} (run as root or install them)." >&2
        exit 1
    fi
    log "installing ${missing[*]} from Debian packages"
    export DEBIAN_FRONTEND=noninteractive
    # policy-rc.d 101: the packages must not start their own system-wide services.
    local policy=/usr/sbin/policy-rc.d created_policy=0
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
    fi
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    [ "$created_policy" -eq 1 ] && rm -f "$policy"
    return 0
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

install_packages
PG_BIN="$(pg_bindir)"
REDIS_SERVER="$(command -v redis-server)"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/helpdesk-services.XXXXXX")"
chmod 755 "$WORK"
# PostgreSQL refuses to run as root: run both servers as an unprivileged account.
if [ "$(id -u)" -eq 0 ]; then
    RUN_USER="${SERVICES_USER:-postgres}"
    id "$RUN_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$RUN_USER"
    as_user() { runuser -u "$RUN_USER" -- "$@"; }
    chown "$RUN_USER" "$WORK"
else
    as_user() { "$@"; }
fi

PG_PORT="$(free_port)"
REDIS_PORT="$(free_port)"
PGDATA="$WORK/pgdata"

cleanup() {
    local status=$?
    set +e
    if [ -f "$PGDATA/postmaster.pid" ]; then
        as_user "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1
    fi
    if [ -f "$WORK/redis.pid" ]; then
        kill "$(cat "$WORK/redis.pid")" 2>/dev/null
        for _ in $(seq 50); do [ -f "$WORK/redis.pid" ] || break; sleep 0.1; done
    fi
    rm -rf "$WORK"
    log "services stopped"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "PostgreSQL ($PG_BIN) on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT, in $WORK"
as_user "$PG_BIN/initdb" -D "$PGDATA" -U helpdesk --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$WORK/initdb.log" 2>&1 \
    || { cat "$WORK/initdb.log" >&2; exit 1; }
as_user "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$WORK/postgres.log" -w -t 60 start -o \
    "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $WORK -c max_connections=300 \
     -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=256MB" >/dev/null \
    || { cat "$WORK/postgres.log" >&2; exit 1; }
as_user "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U helpdesk helpdesk

as_user "$REDIS_SERVER" --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$WORK" --save "" --appendonly no \
    --daemonize yes --pidfile "$WORK/redis.pid" --logfile "$WORK/redis.log"
for _ in $(seq 100); do
    python3 - "$REDIS_PORT" 2>/dev/null <<'PY' && break
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)
s.sendall(b"PING\r\n")
sys.exit(0 if s.recv(16).startswith(b"+PONG") else 1)
PY
    sleep 0.1
done

export DATABASE_URL="postgres://helpdesk@127.0.0.1:$PG_PORT/helpdesk"
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
export SERVICES_DIR="$WORK" PG_BIN
log "DATABASE_URL=$DATABASE_URL REDIS_URL=$REDIS_URL"

set +e
"$@"
status=$?
set -e
exit "$status"
