"""Throttling per API client (or per browser user) on the default cache (Redis in production)."""

import uuid

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.redis import RedisCache
from rest_framework.throttling import SimpleRateThrottle

# DRF's sliding log (refuse when `limit` requests were accepted in the last `window` seconds; a
# refused request is not logged), kept in a Redis sorted set by one atomic script: one round trip
# instead of a GET and a SET of the whole pickled history, and no update lost between processes.
# Returns {accepted, requests in the window, timestamp of the oldest one ("" if none)}.
_SLIDING_LOG = """
local key, now, window, limit = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
local count = redis.call('ZCARD', key)
if count >= limit then
    local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
    return {0, count, oldest[2] or ''}
end
redis.call('ZADD', key, now, ARGV[4])
redis.call('PEXPIRE', key, math.ceil(window * 1000))
return {1, count + 1, ''}
"""
_script = None


def _sliding_log(backend: RedisCache, key: str, now: float, window: int, limit: int):
    global _script
    redis_key = backend.make_and_validate_key(f"{key}:log")  # not DRF's key: another value type
    client = backend._cache.get_client(redis_key, write=True)
    if _script is None:
        _script = client.register_script(_SLIDING_LOG)
    accepted, count, oldest = _script(keys=[redis_key], args=[repr(now), window, limit, f"{now!r}:{uuid.uuid4().hex}"],
                                      client=client)
    return bool(accepted), int(count), float(oldest) if oldest else None


class ClientRateThrottle(SimpleRateThrottle):
    scope = "api_client"
    _log = None  # (requests in the window, oldest timestamp) of a refusal by the Redis sliding log

    def get_cache_key(self, request, view):
        client = getattr(request, "api_client", None)
        if client is not None:
            ident = f"client-{client.pk}"
            if client.throttle_rate:
                self.rate = client.throttle_rate
                self.num_requests, self.duration = self.parse_rate(self.rate)
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"anon-{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view):
        backend = caches[DEFAULT_CACHE_ALIAS]
        if not isinstance(backend, RedisCache):
            return super().allow_request(request, view)  # DRF's log, in the (per-process) cache
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        accepted, count, oldest = _sliding_log(backend, self.key, self.now, self.duration, self.num_requests)
        if accepted:
            return True
        self._log = (count, oldest)
        return self.throttle_failure()

    def wait(self):
        if self._log is None:
            return super().wait()
        count, oldest = self._log  # as DRF's wait() reads its history
        remaining_duration = self.duration - (self.now - oldest) if oldest is not None else self.duration
        available_requests = self.num_requests - count + 1
        if available_requests <= 0:
            return None
        return remaining_duration / float(available_requests)
