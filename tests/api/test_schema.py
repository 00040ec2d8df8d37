from io import StringIO

import pytest
import yaml
from django.core.management import call_command


def test_openapi_schema_validates_without_warnings(settings):
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", "--urlconf", "tests.api.urls", "--skip-checks", stdout=out)
    schema = yaml.safe_load(out.getvalue())
    paths = schema["paths"]
    for path in ("/api/v1/tickets/", "/api/v1/tickets/{reference}/", "/api/v1/tickets/{reference}/transitions/escalate/",
                 "/api/v1/outages/", "/api/v1/availability/", "/api/v1/webhooks/"):
        assert path in paths
    error = paths["/api/v1/tickets/{reference}/transitions/resolve/"]["post"]["responses"]["412"]
    assert "application/problem+json" in error["content"]


@pytest.mark.django_db
def test_schema_and_docs_are_served(client):
    assert client.get("/api/v1/schema/").status_code == 200
    assert client.get("/api/v1/docs/").status_code == 200
