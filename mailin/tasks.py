"""Periodic work of incoming mail: poll the desks' IMAP mailboxes every minute. No mailbox with an
IMAP server configured (the demo, `make run`): nothing is polled."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from core.locks import single_run


@db_periodic_task(crontab(minute="*"), verbose_name="Courriels entrants : relève des boîtes IMAP des guichets (chaque minute)")
def poll_mailboxes():
    from .imap import poll_all, pollable

    if not pollable().exists():
        return None
    with single_run("mailin-poll", ttl=300, release=True) as acquired:
        if not acquired:
            return None
        return poll_all()
