"""The project's URLs with the OpenID sign-in mounted, as web/urls.py does when OIDC_* is set.

Imported only under the OIDC test settings: mozilla_django_oidc.urls reads OIDC_CALLBACK_CLASS
when first imported."""

from django.urls import include, path

from helpdesk.urls import handler400, handler403, handler404, handler500, urlpatterns as project  # noqa: F401

urlpatterns = [path("oidc/", include("mozilla_django_oidc.urls"))] + project
