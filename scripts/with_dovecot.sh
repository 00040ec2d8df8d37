#!/bin/bash
# Run a command with a throw-away dovecot IMAP server: a temporary directory holds dovecot.conf, a
# passwd-file user and its maildir; loopback only, a free port, no SSL, running as the current user.
# The command sees MAILIN_IMAP_HOST, MAILIN_IMAP_PORT, MAILIN_IMAP_USER, MAILIN_IMAP_PASSWORD.
# Usage: scripts/with_dovecot.sh COMMAND... (the pytest fixture tests/mailin/dovecot.py does the same).
set -euo pipefail
DOVECOT=$(command -v dovecot || echo /usr/sbin/dovecot)
[ -x "$DOVECOT" ] || { echo "dovecot is not installed (scripts/install_mailservers.sh)" >&2; exit 1; }
DIR=$(mktemp -d)
PORT=$("${PY:-.venv/bin/python}" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
USER_NAME=desk PASSWORD=desk-password-test
"${PY:-.venv/bin/python}" - "$DIR" "$PORT" "$USER_NAME" "$PASSWORD" <<'PY'
import sys
from pathlib import Path
sys.path.insert(0, ".")
from tests.mailin.dovecot import write_config
write_config(Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4])
PY
"$DOVECOT" -c "$DIR/dovecot.conf"
trap '"$DOVECOT" -c "$DIR/dovecot.conf" stop >/dev/null 2>&1 || true; rm -rf "$DIR"' EXIT
MAILIN_IMAP_HOST=127.0.0.1 MAILIN_IMAP_PORT=$PORT MAILIN_IMAP_USER=$USER_NAME MAILIN_IMAP_PASSWORD=$PASSWORD "$@"
