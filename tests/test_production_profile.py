"""The production profile as an operator configures it: settings from the environment, locks.

Settings are imported in a fresh interpreter with a controlled environment, as a deployed process
would see them; the locks are exercised on whatever cache and database the suite runs on (local
memory and SQLite by default, Redis and PostgreSQL under `make test-postgres`).
"""

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from helpdesk.locks import advisory_lock, single_run, tick

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "HELPDESK_PROFILE": "production",
    "DATABASE_URL": "postgres://helpdesk:s3cret@db.internal:5433/helpdesk",
    "REDIS_URL": "redis://cache.internal:6379/2",
    "SECRET_KEY": "a-long-random-secret-for-the-test-only",
    "ALLOWED_HOSTS": "assistance.ac-exemple.fr,www.assistance.ac-exemple.fr",
}

DUMP = """
import json
import helpdesk.settings as s
print(json.dumps({
    "DEBUG": s.DEBUG, "ALLOWED_HOSTS": s.ALLOWED_HOSTS, "DATABASES": s.DATABASES,
    "CACHES": s.CACHES, "CHANNEL_LAYERS": s.CHANNEL_LAYERS, "HUEY": s.HUEY,
    "HUEY_EMBEDDED_CONSUMER": s.HUEY_EMBEDDED_CONSUMER, "STORAGES": s.STORAGES,
    "SESSION_COOKIE_SECURE": getattr(s, "SESSION_COOKIE_SECURE", False),
    "CSRF_COOKIE_SECURE": getattr(s, "CSRF_COOKIE_SECURE", False),
    "SECURE_HSTS_SECONDS": getattr(s, "SECURE_HSTS_SECONDS", 0),
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": getattr(s, "SECURE_HSTS_INCLUDE_SUBDOMAINS", False),
    "SECURE_SSL_REDIRECT": getattr(s, "SECURE_SSL_REDIRECT", False),
    "SECURE_PROXY_SSL_HEADER": getattr(s, "SECURE_PROXY_SSL_HEADER", None),
    "EMAIL_BACKEND": s.EMAIL_BACKEND,
}, default=str))
"""


def run_python(code, env, tmp_path):
    # Only what a process manager would pass: no variable leaks in from the test run itself.
    full_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "helpdesk.settings",
        "HELPDESK_DATA_DIR": str(tmp_path),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=120
    )


def load_settings(env, tmp_path):
    result = run_python(DUMP, env, tmp_path)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_environment_gives_postgresql_redis_and_secure_cookies(tmp_path):
    s = load_settings(PRODUCTION_ENV, tmp_path)

    db = s["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["PORT"], db["NAME"], db["USER"]) == ("db.internal", 5433, "helpdesk", "helpdesk")
    assert s["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert s["CACHES"]["default"]["LOCATION"] == PRODUCTION_ENV["REDIS_URL"]
    assert s["CHANNEL_LAYERS"]["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    (layer_host,) = s["CHANNEL_LAYERS"]["default"]["CONFIG"]["hosts"]
    assert layer_host["address"] == PRODUCTION_ENV["REDIS_URL"]
    # Longer than channels-redis' 5 s blocking pop, or idle websocket consumers time out.
    assert layer_host["socket_timeout"] > 5
    assert s["HUEY"]["huey_class"] == "huey.RedisHuey" and s["HUEY"]["url"] == PRODUCTION_ENV["REDIS_URL"]
    # Workers are separate `run_huey` processes, not threads of the web server.
    assert s["HUEY_EMBEDDED_CONSUMER"] is False

    assert s["DEBUG"] is False
    assert s["ALLOWED_HOSTS"] == ["assistance.ac-exemple.fr", "www.assistance.ac-exemple.fr"]
    assert s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"]
    assert s["SECURE_HSTS_SECONDS"] >= 31536000 and s["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert s["SECURE_SSL_REDIRECT"] is True
    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert s["STORAGES"]["staticfiles"]["BACKEND"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert s["STORAGES"]["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_without_a_required_variable_fails_naming_it(tmp_path, missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = run_python(DUMP, env, tmp_path)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"needs the {missing} environment variable" in result.stderr


def test_no_environment_gives_the_embedded_profile(tmp_path):
    s = load_settings({}, tmp_path)
    assert s["DATABASES"]["default"]["ENGINE"] == "core.db.sqlite3"  # Django's, with a pool (issue 21)
    assert s["CHANNEL_LAYERS"]["default"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"
    assert s["HUEY"]["huey_class"] == "huey.SqliteHuey"
    assert s["HUEY_EMBEDDED_CONSUMER"] is True
    assert s["DEBUG"] is False  # the quick start runs as deployed
    assert load_settings({"DEBUG": "1"}, tmp_path)["DEBUG"] is True
    assert s["SESSION_COOKIE_SECURE"] is False


def test_attachments_go_to_s3_when_configured(tmp_path):
    env = {
        **PRODUCTION_ENV,
        "HELPDESK_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": "pieces-jointes",
        "AWS_S3_ENDPOINT_URL": "https://s3.gra.example.net",
        "AWS_S3_REGION_NAME": "gra",
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "secret-example",
    }
    code = """
from django.conf import settings
import django
django.setup()
from django.core.files.storage import storages
default_storage = storages["default"]
url = default_storage.url("2026/ticket-1/capture.png")
print(type(default_storage).__name__, url)
"""
    result = run_python(code, env, tmp_path)
    assert result.returncode == 0, result.stderr
    backend, url = result.stdout.split()[-2:]
    assert backend == "S3Storage"
    # Private files: a signed URL on the configured endpoint, under the attachments prefix.
    assert url.startswith("https://s3.gra.example.net/pieces-jointes/attachments/2026/ticket-1/capture.png?")
    assert "Signature" in url or "X-Amz-Signature" in url


def test_s3_without_a_bucket_fails_naming_it(tmp_path):
    result = run_python(DUMP, {**PRODUCTION_ENV, "HELPDESK_STORAGE": "s3"}, tmp_path)
    assert result.returncode != 0
    assert "AWS_STORAGE_BUCKET_NAME" in result.stderr


def test_django_deployment_checklist_has_no_security_warning(tmp_path):
    result = run_python(
        "from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'ERROR'])",
        {**PRODUCTION_ENV, "SECRET_KEY": "x" * 20 + "-a-long-random-production-key-0123456789"},
        tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Other apps' advisory warnings are theirs; Django's security checklist must be clean.
    assert "(security." not in result.stdout + result.stderr


# --- locks ------------------------------------------------------------------------------------


def test_single_run_lets_one_holder_at_a_time():
    with single_run("test:exclusive", ttl=30) as first:
        with single_run("test:exclusive", ttl=30) as second:
            assert first is True
            assert second is False
    with single_run("test:exclusive", ttl=30) as again:
        assert again is True


def test_single_run_without_release_keeps_the_tick_taken():
    name = f"test:tick:{tick(60)}"
    with single_run(name, ttl=30, release=False) as first:
        assert first
    with single_run(name, ttl=30, release=False) as late_worker:
        assert late_worker is False


def test_tick_is_the_same_within_a_period():
    assert tick(60, now=120.0) == tick(60, now=179.9) == 2
    assert tick(60, now=180.0) == 3


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="cross-process locks need the Redis cache")
def test_single_run_holds_across_processes(tmp_path):
    code = """
import django
django.setup()
from helpdesk.locks import single_run
with single_run("test:cross-process", ttl=30) as acquired:
    print("acquired" if acquired else "busy")
"""
    env = {k: os.environ[k] for k in ("REDIS_URL", "DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "HELPDESK_PROFILE")
           if k in os.environ}
    with single_run("test:cross-process", ttl=30) as acquired:
        assert acquired
        result = run_python(code, env, tmp_path)
        assert result.returncode == 0, result.stderr
        assert result.stdout.split()[-1] == "busy"
    result = run_python(code, env, tmp_path)
    assert result.stdout.split()[-1] == "acquired"


@pytest.mark.django_db(transaction=True)
def test_advisory_lock_excludes_another_connection():
    seen = {}

    def other_worker():
        from django.db import connection as thread_connection

        with advisory_lock("test:advisory") as acquired:
            seen["acquired"] = acquired
        thread_connection.close()

    with advisory_lock("test:advisory") as acquired:
        assert acquired
        worker = threading.Thread(target=other_worker)
        worker.start()
        worker.join()
    # PostgreSQL: a session lock seen by another connection; elsewhere the cache lock of the process.
    assert seen["acquired"] is False
    with advisory_lock("test:advisory") as acquired:
        assert acquired
