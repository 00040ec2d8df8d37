"""Background work (Huey): outbox delivery after commit, its periodic retry, auto-close."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task()
def deliver_outbox():
    from . import outbox

    return outbox.deliver_pending()


@db_periodic_task(crontab(minute="*"), verbose_name="Notifications : envoi de celles en attente")
def retry_outbox():
    """Catches whatever the after-commit kick missed (worker stopped, broker down, failures)."""
    from . import outbox

    return outbox.deliver_pending()


@db_periodic_task(crontab(minute="*/15"), verbose_name="Clôture automatique des demandes résolues")
def auto_close_resolved():
    from . import services

    return services.auto_close_due()
