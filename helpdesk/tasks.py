"""Project-level background tasks."""

import time

from django.core.cache import cache
from huey.contrib.djhuey import task


@task()
def heartbeat(token: str) -> float:
    """Proves a worker is consuming the queue: leaves a timestamp in the shared cache."""
    now = time.time()
    cache.set(f"heartbeat:{token}", now, timeout=300)
    return now
