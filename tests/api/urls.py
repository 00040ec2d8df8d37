"""The API alone, so that its tests do not depend on the web UI's URLs."""

from django.urls import include, path

urlpatterns = [path("api/v1/", include("api.urls"))]
