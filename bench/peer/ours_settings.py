"""Our product under gunicorn for bench/peer/run.py: the embedded profile's settings
(helpdesk.settings) with the bench's URLconf (the product's URLs + /bench/bare/). Variants for the
bench (environment), to attribute the bare view's gap against the peer:
BENCH_MIDDLEWARE=peer (the peer's middleware list: startproject's), BENCH_CONN_MAX_AGE=N
(persistent connection), BENCH_PRAGMAS=0 (SQLite without our init_command's four PRAGMAs)."""

import os

from helpdesk.settings import *  # noqa: F403
from helpdesk.settings import DATABASES

ROOT_URLCONF = "bench.peer.ours_urls"

if os.environ.get("BENCH_MIDDLEWARE") == "peer":
    MIDDLEWARE = [
        "django.middleware.security.SecurityMiddleware",
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ]
if os.environ.get("BENCH_CONN_MAX_AGE"):
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ["BENCH_CONN_MAX_AGE"])
if os.environ.get("BENCH_PRAGMAS") == "0":
    DATABASES["default"]["OPTIONS"].pop("init_command", None)
