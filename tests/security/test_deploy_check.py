"""`manage.py check --deploy --fail-level WARNING` is clean with the production settings."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

BASE = Path(__file__).resolve().parents[2]
SYSTEM_VARIABLES = {"PATH", "HOME", "LANG", "LANGUAGE", "TMPDIR", "TZ", "USER", "VIRTUAL_ENV"}


def test_deploy_check_is_clean_in_production_profile(tmp_path):
    # Only the system's variables: the suite's own (SECURE_SSL_REDIRECT=0 from scripts/test_postgres.sh,
    # DJANGO_ALLOW_ASYNC_UNSAFE from the browser tests…) would be reported as deployment problems.
    env = {k: v for k, v in os.environ.items() if k in SYSTEM_VARIABLES or k.startswith("LC_")}
    env.update(
        HELPDESK_PROFILE="production", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="assistance.example.org",
        HELPDESK_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="helpdesk.settings",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
