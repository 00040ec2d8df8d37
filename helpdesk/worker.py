"""Background-worker wiring.

Embedded profile: the Huey consumer runs as threads inside the ASGI server process (started by the
`serve` command). Production: separate `manage.py run_huey` processes on the Redis broker.
"""

import logging

from huey.consumer import Consumer

logger = logging.getLogger(__name__)


class EmbeddedConsumer(Consumer):
    """A Huey consumer living in threads of another process: the host owns the signals."""

    def _set_signal_handlers(self):
        pass


def start_embedded_consumer(workers: int = 2) -> EmbeddedConsumer:
    from huey.contrib.djhuey import HUEY

    consumer = EmbeddedConsumer(HUEY, workers=workers, worker_type="thread", periodic=True, check_worker_health=False)
    consumer.start()
    logger.info("Embedded Huey consumer started with %s threads", workers)
    return consumer
