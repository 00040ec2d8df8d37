"""Background-worker wiring.

Embedded profile: the Huey consumer runs as threads inside the ASGI server process (started by the
`serve` command). Production: separate `manage.py run_worker` processes (run_huey + `register_tasks`) on the Redis broker.

Either way, every installed app's `tasks` module is imported before the consumer starts (as
`run_huey` does): a consumer with an empty registry drops the queued messages and never schedules
a periodic task. What each task did is kept in `BackgroundTask` for the administrator.
"""

import logging
import traceback

from django.db import close_old_connections, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from huey import signals as S
from huey.consumer import Consumer

logger = logging.getLogger(__name__)


class EmbeddedConsumer(Consumer):
    """A Huey consumer living in threads of another process: the host owns the signals."""

    def _set_signal_handlers(self):
        pass


def _huey():
    from huey.contrib.djhuey import HUEY

    return HUEY


def task_name(task_class) -> str:
    return f"{task_class.__module__}.{task_class.__name__}"


def _label(task_class) -> str:
    """What the task does, in French, for the administrator (`verbose_name=` on the decorator)."""
    return str(getattr(task_class, "verbose_name", "") or "")[:200]


def register_tasks() -> list[str]:
    """Import every installed app's `tasks` module; record the periodic ones; return their names.

    A periodic task recorded by an earlier start but no longer registered is marked as such and
    logged as an error: it silently stopped running.
    """
    from .models import BackgroundTask

    autodiscover_modules("tasks")
    periodic = {task_name(t): t for t in _huey()._registry._periodic_tasks}
    if not periodic:
        logger.error("Traitement de fond : aucune tâche périodique enregistrée (échéances SLA, clôtures, purges ne tourneront pas).")
    now = timezone.now()
    with transaction.atomic():
        for name, task_class in periodic.items():
            BackgroundTask.objects.update_or_create(
                name=name, defaults={"periodic": True, "registered": True, "registered_at": now, "label": _label(task_class)},
            )
        for gone in BackgroundTask.objects.filter(periodic=True, registered=True).exclude(name__in=periodic):
            logger.error("Traitement de fond : la tâche périodique %s n'est plus enregistrée.", gone.name)
            gone.registered = False
            gone.save(update_fields=["registered"])
    logger.info("Traitement de fond : %d tâches, dont %d périodiques : %s",
                len(_huey()._registry._registry), len(periodic), ", ".join(sorted(periodic)))
    return sorted(periodic)


def catch_up() -> None:
    """Run each periodic task once now: what fell due while the worker was stopped (a clock past
    its target, a ticket to close) is handled at start rather than at the next scheduled tick.
    Every periodic task is idempotent."""
    huey = _huey()
    for task_class in huey._registry._periodic_tasks:
        huey.enqueue(task_class())


def start_embedded_consumer(workers: int = 2) -> EmbeddedConsumer:
    huey = _huey()
    register_tasks()
    consumer = EmbeddedConsumer(huey, workers=workers, worker_type="thread", periodic=True, check_worker_health=False)
    consumer.start()
    catch_up()
    logger.info("Embedded Huey consumer started with %s threads", workers)
    return consumer


# --- What each task did -------------------------------------------------------------------------

def _record(task, **changes):
    from .models import BackgroundTask

    # In the consumer's threads, start and end on a fresh connection; inside a caller's transaction
    # (immediate mode), stay on its connection.
    outside = not transaction.get_connection().in_atomic_block
    if outside:
        close_old_connections()
    try:
        with transaction.atomic():
            name = task_name(type(task))
            row, _created = BackgroundTask.objects.select_for_update().get_or_create(
                name=name, defaults={"periodic": _is_periodic(task), "label": _label(type(task))},
            )
            failures = changes.pop("failures", None)
            if failures == "reset":
                changes["consecutive_failures"] = 0
            elif failures == "add":
                changes["consecutive_failures"] = row.consecutive_failures + 1
            for field, value in changes.items():
                setattr(row, field, value)
            row.save(update_fields=list(changes))
    finally:
        if outside:
            close_old_connections()


def _is_periodic(task) -> bool:
    return hasattr(type(task), "validate_datetime")


def on_executing(signal, task):
    if _is_periodic(task):
        _record(task, last_started_at=timezone.now())


def on_complete(signal, task):
    if _is_periodic(task):
        _record(task, last_succeeded_at=timezone.now(), failures="reset", last_error="")


def on_error(signal, task, exc=None):
    # Every task's failure is recorded (huey logs the traceback); a one-off task gets a row too.
    text = "".join(traceback.format_exception_only(type(exc), exc)).strip() if exc else ""
    _record(task, last_failed_at=timezone.now(), failures="add", last_error=text[:2000])


def connect_signals() -> None:
    huey = _huey()
    for receiver, signal in ((on_executing, S.SIGNAL_EXECUTING), (on_complete, S.SIGNAL_COMPLETE), (on_error, S.SIGNAL_ERROR)):
        if receiver not in huey._signal.receivers.get(signal, ()):
            huey.signal(signal)(receiver)
