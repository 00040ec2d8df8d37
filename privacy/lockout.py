"""Sign-in lockout (django-axes handler, AXES_HANDLER): two limits instead of axes' one.

AXES_LOCKOUT_PARAMETERS counts failures per (account, client address) — AXES_FAILURE_LIMIT — and
per client address alone — AXES_IP_FAILURE_LIMIT, higher, against password spraying (one guess on
many accounts). Axes compares the largest count with a single limit, so an address count below its
own limit is not counted here. The client address is `journal.services.client_ip`
(AXES_CLIENT_IP_CALLABLE): behind HELPDESK_PROXY_COUNT trusted proxies, the address they saw."""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit, get_lockout_parameters
from django.conf import settings
from django.db.models import Sum

ADDRESS_ALONE = "ip_address"


class LockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        failures = 0
        for parameter, attempts in self._by_parameter(request, credentials, self.get_user_attempts):
            count = attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            if parameter == ADDRESS_ALONE:
                count = get_failure_limit(request, credentials) if count >= settings.AXES_IP_FAILURE_LIMIT else 0
            failures = max(failures, count)
        return failures

    def reset_user_attempts(self, request, credentials=None) -> int:
        """A success resets the account's failures from that address only: axes would also wipe the
        address's failures on every other account, letting a sprayer reset its count by signing in."""
        count = 0
        for parameter, attempts in self._by_parameter(request, credentials, self.filter_user_attempts):
            if parameter != ADDRESS_ALONE:
                count += attempts.delete()[0]
        return count

    @staticmethod
    def _by_parameter(request, credentials, attempts_of):
        # axes builds one queryset per lockout parameter, in the order of the setting
        return zip(get_lockout_parameters(request, credentials), attempts_of(request, credentials), strict=True)
