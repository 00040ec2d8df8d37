"""Settings of the peer: a minimal Django project around django-helpdesk 2.x, written by us.

django-helpdesk itself is installed from PyPI into bench/peer/.venv (bench/peer/requirements.txt);
nothing of it is in this repository. Installed apps per its install docs (docs/install.rst: the
contrib apps, sites, humanize, rest_framework, helpdesk), teams mode off (pinax-teams is an extra),
its DRF API on. As `django-admin startproject` makes it: SQLite, no PRAGMAs, CONN_MAX_AGE 0,
startproject's middleware list, no LOGGING. DEBUG off. Variants for the bench (environment):
PEER_PRAGMAS=1 adds our four SQLite PRAGMAs, so that the bare view's gap can be attributed.
"""

import os
from pathlib import Path

DATA_DIR = Path(os.environ["PEER_DATA_DIR"])
SECRET_KEY = "peer-bench-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "rest_framework",
    "helpdesk",
]
SITE_ID = 1
HELPDESK_TEAMS_MODE_ENABLED = False
HELPDESK_API_ENABLED = True

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "peerproject.urls"
WSGI_APPLICATION = "peerproject.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DATA_DIR / "peer.sqlite3"}}
if os.environ.get("PEER_PRAGMAS") == "1":
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE", "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;PRAGMA busy_timeout=20000;",
    }
if os.environ.get("PEER_CONN_MAX_AGE"):
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ["PEER_CONN_MAX_AGE"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
STATIC_URL = "static/"
LOGIN_URL = "/helpdesk/login/"
