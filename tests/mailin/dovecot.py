"""A throw-away dovecot IMAP server for the tests (and scripts/with_dovecot.sh): its configuration
in a temporary directory, a passwd-file user, maildir in the directory, loopback on a free port, no
SSL, running as the current user (as root on a CI machine: the mail files belong to root too)."""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

USER, PASSWORD = "guichet", "mot-de-passe-de-test"


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(base: Path, port: int, user: str = USER, password: str = PASSWORD) -> Path:
    uid, gid = os.getuid(), os.getgid()
    user_name, group_name = pwd.getpwuid(uid).pw_name, grp.getgrgid(gid).gr_name
    login_user = internal_user = user_name
    if uid == 0:  # dovecot runs no login process as root: Debian's package gives its own users
        login_user, internal_user, group_name = "dovenull", "dovecot", "dovecot"
        uid, gid = pwd.getpwnam("dovecot").pw_uid, grp.getgrnam("dovecot").gr_gid  # nor mail as uid 0
        base.chmod(0o755)
    for sub in ("run", "state", "home"):
        (base / sub).mkdir(parents=True, exist_ok=True)
    if os.getuid() == 0:
        os.chown(base / "home", uid, gid)
    (base / "passwd").write_text(f"{user}:{{PLAIN}}{password}:{uid}:{gid}::{base / 'home' / user}::\n")
    conf = base / "dovecot.conf"
    conf.write_text(f"""
base_dir = {base / 'run'}
state_dir = {base / 'state'}
log_path = {base / 'dovecot.log'}
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal_user}
default_internal_group = {group_name}
default_login_user = {login_user}
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = {gid}
mail_location = maildir:{base / 'home'}/%n/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%n {base / 'passwd'}
}}
userdb {{
  driver = passwd-file
  args = username_format=%n {base / 'passwd'}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service stats {{
  unix_listener stats-reader {{
    user = {internal_user}
  }}
  unix_listener stats-writer {{
    user = {internal_user}
  }}
}}
""")
    return conf


class Dovecot:
    def __init__(self, base: Path):
        self.base, self.port, self.user, self.password = base, free_port(), USER, PASSWORD
        self.conf = write_config(base, self.port)
        self.binary = dovecot_binary()

    def start(self):
        # The daemon keeps its standard streams: a file, not a pipe that run() would wait on.
        with open(self.base / "start.log", "wb") as out:
            subprocess.run([self.binary, "-c", str(self.conf)], check=True, stdout=out, stderr=out, timeout=30)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    if s.recv(100).startswith(b"* OK"):
                        return self
            except OSError:
                time.sleep(0.1)
        log = (self.base / "dovecot.log").read_text() if (self.base / "dovecot.log").exists() else ""
        raise RuntimeError(f"dovecot did not start on port {self.port}:\n{log[-3000:]}")

    def stop(self):
        subprocess.run([self.binary, "-c", str(self.conf), "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=30)

    def append(self, raw: bytes):
        """Deliver a message into the INBOX (what the MTA would do)."""
        from imap_tools import MailBoxUnencrypted

        with MailBoxUnencrypted("127.0.0.1", self.port).login(self.user, self.password) as box:
            box.append(raw, "INBOX", dt=None, flag_set=())


@pytest.fixture
def dovecot():
    if dovecot_binary() is None:
        message = "dovecot is not installed (scripts/install_mailservers.sh, `make mailservers`)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    # Not pytest's tmp_path: its parents are private to the current user, and dovecot's own
    # processes (as root: Debian's dovecot users) must read the passwd file.
    base = Path(tempfile.mkdtemp(prefix="helpdesk-dovecot-"))
    server = Dovecot(base)
    try:
        yield server.start()
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)
