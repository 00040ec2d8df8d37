import pytest

from directory.demo import build_demo_world

DEMO_PASSWORD = "test-password-123"


@pytest.fixture
def world(db):
    """The demo world (three conventions, one account per role), built in the test's transaction."""
    return build_demo_world(DEMO_PASSWORD)


@pytest.fixture
def login(client, world):
    def _login(username):
        client.force_login(world.users[username])
        return client

    return _login


def pytest_configure(config):
    from django.conf import settings

    # Argon2 is deliberately slow; the suite creates many accounts.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # One mail per event, as the tests count them; tests/tickets/test_mail_batches.py turns batching on.
    settings.HELPDESK["REQUESTER_MAIL_BATCH_SECONDS"] = 0


@pytest.fixture(autouse=True)
def _default_language():
    """LocaleMiddleware leaves the last request's language active in the thread: start and end each
    test in the default language (French), so an English request does not leak into the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
