"""Sign-in lockout on (account, client address), the client address read behind the trusted proxies
(HELPDESK_PROXY_COUNT), and a higher limit per client address alone against password spraying."""

import pytest
from axes.models import AccessAttempt

URL = "/connexion/"
RIGHT = "test-password-123"
PROXY = "10.0.0.1"  # the reverse proxy: every request reaches the app from it


@pytest.fixture
def behind_one_proxy(settings):
    settings.HELPDESK = {**settings.HELPDESK, "ACCESS_LOG_PROXY_COUNT": 1}


def _login(client, username, password, address=None, forwarded=None):
    extra = {"REMOTE_ADDR": PROXY if forwarded is not None else address or "127.0.0.1"}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(URL, {"username": username, "password": password}, **extra)


def test_one_client_behind_the_proxy_does_not_lock_the_account_for_another(client, world, behind_one_proxy):
    for _ in range(5):
        _login(client, "enseignant", "wrong", forwarded="203.0.113.1")
    assert _login(client, "enseignant", RIGHT, forwarded="203.0.113.1").status_code == 429
    assert _login(client, "enseignant", RIGHT, forwarded="203.0.113.2").status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.1"}


def test_the_client_cannot_escape_by_writing_its_own_forwarded_for(client, world, behind_one_proxy):
    # the proxy appends the address it saw; what the client wrote before it is ignored
    for i in range(5):
        _login(client, "enseignant", "wrong", forwarded=f"198.51.100.{i}, 203.0.113.1")
    assert _login(client, "enseignant", RIGHT, forwarded="198.51.100.99, 203.0.113.1").status_code == 429


def test_without_trusted_proxy_forwarded_for_is_ignored(client, world, settings):
    settings.HELPDESK = {**settings.HELPDESK, "ACCESS_LOG_PROXY_COUNT": 0}
    for i in range(5):
        client.post(URL, {"username": "enseignant", "password": "wrong"},
                    REMOTE_ADDR="192.0.2.7", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}")
    assert _login(client, "enseignant", RIGHT, address="192.0.2.7").status_code == 429


def test_spraying_many_accounts_from_one_address_is_locked_at_the_address_limit(client, world, behind_one_proxy,
                                                                                settings):
    limit = settings.AXES_IP_FAILURE_LIMIT
    assert limit > settings.AXES_FAILURE_LIMIT
    for i in range(limit - 1):
        assert _login(client, f"compte{i}", "Printemps2026!", forwarded="203.0.113.5").status_code == 200
    assert _login(client, "compte-dernier", "Printemps2026!", forwarded="203.0.113.5").status_code == 429
    # the address is locked, even with a right password; other addresses are not
    assert _login(client, "enseignant", RIGHT, forwarded="203.0.113.5").status_code == 429
    assert _login(client, "enseignant", RIGHT, forwarded="203.0.113.6").status_code == 302


def test_a_success_does_not_reset_the_address_count(client, world, behind_one_proxy, settings):
    # the sprayer's own account signing in between rounds must not wipe the other accounts' failures
    limit = settings.AXES_IP_FAILURE_LIMIT
    for i in range(limit - 2):
        _login(client, f"compte{i}", "Printemps2026!", forwarded="203.0.113.5")
    assert _login(client, "enseignant", RIGHT, forwarded="203.0.113.5").status_code == 302
    client.logout()
    _login(client, "compte-a", "Printemps2026!", forwarded="203.0.113.5")
    assert _login(client, "compte-b", "Printemps2026!", forwarded="203.0.113.5").status_code == 429


def test_a_success_resets_the_accounts_own_failures(client, world, behind_one_proxy):
    for _ in range(4):
        _login(client, "enseignant", "wrong", forwarded="203.0.113.1")
    assert _login(client, "enseignant", RIGHT, forwarded="203.0.113.1").status_code == 302
    client.logout()
    for _ in range(4):
        _login(client, "enseignant", "wrong", forwarded="203.0.113.1")
    assert _login(client, "enseignant", RIGHT, forwarded="203.0.113.1").status_code == 302
