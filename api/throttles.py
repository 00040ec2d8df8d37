"""Throttling per API client (or per browser user) on the default cache (Redis in production)."""

from rest_framework.throttling import SimpleRateThrottle


class ClientRateThrottle(SimpleRateThrottle):
    scope = "api_client"

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
