"""Login throttling and lockout (django-axes) for sign-ins that come through a request.

Axes' own backend refuses any authenticate() call without a request; the test client's login()
and management commands call it without one. Those calls are not password guessing from the
network, so they are left to the next backend; every sign-in form and the OIDC callback pass the
request and are counted."""

from axes.backends import AxesStandaloneBackend


class RequestAxesBackend(AxesStandaloneBackend):
    def authenticate(self, request=None, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
