"""Periodic work of the charter: silence is tacit approval once the delay in jours ouvrables ran out."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from core.locks import single_run, tick


@db_periodic_task(crontab(minute="*/15"), verbose_name="Charte de communication : accords tacites à l'échéance (toutes les 15 minutes)")
def apply_tacit_approvals():
    from .services import apply_tacit_approvals as run

    with single_run(f"charter-tacit:{tick(900)}", ttl=1800, release=False) as acquired:
        if not acquired:
            return None
        return run()
