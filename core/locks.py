"""Locks that hold across processes, for jobs that must run once however many workers run.

Every Huey consumer started with periodic tasks enqueues each periodic task at every tick, so with
N workers a sweep is queued N times per tick. Wrap its body in `single_run` and only one copy does
the work:

    from core.locks import single_run, tick

    @db_periodic_task(crontab(minute="*"))
    def sweep_sla_clocks():
        with single_run(f"sla-sweep:{tick(60)}", ttl=300, release=False) as acquired:
            if not acquired:
                return  # another worker has this tick
            ...

`single_run` relies on `cache.add`, which is atomic on Redis (production) and within one process
on the local-memory cache (embedded profile, where only one consumer runs). On PostgreSQL,
`advisory_lock` gives a lock held by the database session instead, released when the block ends or
when the process dies.
"""

import hashlib
import time
import uuid
from contextlib import contextmanager

from django.core.cache import caches
from django.db import connections

_PREFIX = "lock:"


def tick(period_seconds: int, now: float | None = None) -> int:
    """Number of the current period (e.g. minute) since the epoch: the same in every process."""
    return int((time.time() if now is None else now) // period_seconds)


@contextmanager
def single_run(name: str, ttl: int, *, release: bool = True):
    """Try to take the lock `name` for at most `ttl` seconds; yield whether it was taken.

    With `release=False` the lock is kept until it expires: use it with a per-tick name so that a
    worker picking up its copy of the task late in the same tick does not run it a second time.
    The ttl bounds how long a crashed holder blocks the others; choose it above the job's duration.
    """
    key = _PREFIX + name
    token = uuid.uuid4().hex
    acquired = caches["default"].add(key, token, timeout=ttl)
    try:
        yield acquired
    finally:
        if acquired and release:
            _release(key, token)


def _release(key: str, token: str) -> None:
    # Delete only our own lock: if the ttl ran out and another process took it, leave theirs alone.
    from django.core.cache.backends.redis import RedisCache

    cache = caches["default"]
    if isinstance(cache, RedisCache):
        full_key = cache.make_and_validate_key(key)
        client = cache._cache.get_client(full_key, write=True)
        client.eval(_COMPARE_AND_DELETE, 1, full_key, cache._cache._serializer.dumps(token))
        return
    if cache.get(key) == token:
        cache.delete(key)


_COMPARE_AND_DELETE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


@contextmanager
def advisory_lock(name: str, using: str = "default"):
    """PostgreSQL session advisory lock (non-blocking); yield whether it was taken.

    Released at the end of the block, or by PostgreSQL if the process or connection dies. On other
    databases this falls back to `single_run` with a one-hour ttl.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        with single_run(name, ttl=3600) as acquired:
            yield acquired
        return
    lock_id = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [lock_id])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_id])
