#!/bin/sh
# Debian's dovecot IMAP server for the incoming-mail tests (tests/mailin/test_imap.py), installed if
# missing. The SMTP side needs no package: aiosmtpd (requirements) runs in the test process.
command -v dovecot >/dev/null 2>&1 || [ -x /usr/sbin/dovecot ] || \
  (apt-get install -y dovecot-imapd >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && apt-get install -y dovecot-imapd >/dev/null 2>&1)) || \
  echo "dovecot could not be installed: the IMAP tests fail under CI=true, are skipped otherwise."
exit 0
