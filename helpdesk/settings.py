"""Settings for the ENT helpdesk.

Two profiles:
- the embedded default needs no environment at all: SQLite in WAL mode, in-memory channel layer,
  Huey on its own SQLite file with the consumer running inside the server process;
- the production profile is selected by HELPDESK_PROFILE=production (or by setting DATABASE_URL /
  REDIS_URL) and reads everything from the environment: PostgreSQL, Redis, secrets, hosts, mail.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
ENV = os.environ


def env_bool(name, default=False):
    value = ENV.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in ENV.get(name, default).split(",") if item.strip()]


PROFILE = ENV.get("HELPDESK_PROFILE", "production" if ENV.get("DATABASE_URL") else "embedded")
PRODUCTION = PROFILE == "production"
DATA_DIR = Path(ENV.get("HELPDESK_DATA_DIR", BASE_DIR / "var"))
DATA_DIR.mkdir(parents=True, exist_ok=True)

if PRODUCTION:
    # Fail at start-up with the variable's name rather than later with a KeyError or a 400.
    for _required in ("SECRET_KEY", "ALLOWED_HOSTS"):
        if not ENV.get(_required, "").strip():
            raise ImproperlyConfigured(
                f"HELPDESK_PROFILE=production needs the {_required} environment variable (see docs/deploy.md)."
            )
    SECRET_KEY = ENV["SECRET_KEY"]
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
else:
    SECRET_KEY = ENV.get("SECRET_KEY", "embedded-insecure-key-change-me-for-any-real-deployment")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]")
# Both profiles run the product as deployed (the embedded one minus HTTPS): DEBUG only when asked.
DEBUG = env_bool("DEBUG", False)

CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
CSRF_FAILURE_VIEW = "helpdesk.views.csrf_failure"

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "oauth2_provider",
    "channels",
    "huey.contrib.djhuey",
    "django_htmx",
    "core",
    "helpdesk",
    "directory",
    "tickets",
    "sla",
    "pilotage",
    "charter",
    "knowledge",
    "evolutions",
    "api",
    "dsfr",
    "web",
    "journal",
    "privacy",
    "mailin",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # NUL bytes refused before any query; a view's bad parameter is a 400 naming it (core/params.py).
    "helpdesk.middleware.BadInputMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "web.middleware.FrenchFirstLocaleMiddleware",  # French unless chosen; the API follows Accept-Language
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Who read or changed which ticket or personal record (docs/security.md).
    "journal.middleware.AccessJournalMiddleware",
    # Login throttling and lockout; last, as django-axes requires.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "helpdesk.urls"
# Files per web form (a message, a report); with ATTACHMENT_MAX_BYTES it bounds the body the server
# reads at all (helpdesk/http_limits.py).
DATA_UPLOAD_MAX_NUMBER_FILES = 5
WSGI_APPLICATION = "helpdesk.wsgi.application"
ASGI_APPLICATION = "helpdesk.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context_processors.ui",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
if ENV.get("DATABASE_URL"):
    # Under ASGI every request runs in a thread of its own (asgiref's per-request executor): a
    # persistent connection (CONN_MAX_AGE > 0) would be one more per request, never reused. So
    # PostgreSQL connections come from a per-process pool (psycopg_pool, checked before each use),
    # DB_POOL_MAX_SIZE=0 turns it off; DB_CONN_MAX_AGE only applies without the pool.
    pool_max = int(ENV.get("DB_POOL_MAX_SIZE", "8"))
    DATABASES = {
        "default": dj_database_url.parse(
            ENV["DATABASE_URL"],
            conn_max_age=0 if pool_max else int(ENV.get("DB_CONN_MAX_AGE", "0")),
            conn_health_checks=True,  # with the pool: psycopg_pool checks a connection before lending it
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("OPTIONS", {})
        DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", 10)
        if pool_max:
            DATABASES["default"]["OPTIONS"]["pool"] = {
                "min_size": min(int(ENV.get("DB_POOL_MIN_SIZE", "1")), pool_max), "max_size": pool_max,
                "timeout": float(ENV.get("DB_POOL_TIMEOUT", "10")),
            }
    # Named explicitly: channels' live-server test process (forked after the test database exists)
    # would otherwise derive "test_test_…" from the already-switched NAME.
    DATABASES["default"]["TEST"] = {"NAME": ENV.get("DATABASE_TEST_NAME", f"test_{DATABASES['default']['NAME']}")}
else:
    # core.db.sqlite3: Django's SQLite backend with a per-process pool of idle connections, so that the
    # PRAGMAs below run once per connection rather than once per request (under daphne each
    # request has a thread of its own, so CONN_MAX_AGE would keep one connection per dead thread).
    # Django still closes the connection at the end of every request; only clean sqlite3
    # connections (no transaction, every cursor closed) go back to the pool. SQLITE_POOL_SIZE=0
    # opens a new connection per request, as before.
    DATABASES = {
        "default": {
            "ENGINE": "core.db.sqlite3",
            "NAME": ENV.get("SQLITE_PATH", DATA_DIR / "helpdesk.sqlite3"),
            "OPTIONS": {
                # IMMEDIATE takes the write lock at BEGIN: concurrent writers queue instead of
                # failing with "database is locked" on lock upgrade.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=20000;"
                ),
            },
            # A file, not :memory:, so that tests with real threads share one database; one per
            # process so that concurrent runs never share it.
            "TEST": {"NAME": str(ENV.get("SQLITE_TEST_PATH", DATA_DIR / f"test_helpdesk_{os.getpid()}.sqlite3"))},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, cache, Huey ---------------------------------------------------------
REDIS_URL = ENV.get("REDIS_URL")
# Parallel test workers (pytest-xdist) share one Redis: each gets its own key space.
REDIS_PREFIX = "helpdesk" + (f"-{ENV['PYTEST_XDIST_WORKER']}" if ENV.get("PYTEST_XDIST_WORKER") else "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 reads with a 5 s socket timeout by default, the same as channels-redis'
                # blocking pop (BZPOPMIN, 5 s): the read then races the timeout and idle websocket
                # consumers die with "Timeout reading from". Give the socket more than the pop.
                "hosts": [{"address": REDIS_URL, "socket_timeout": int(ENV.get("REDIS_SOCKET_TIMEOUT", "30"))}],
                "prefix": f"{REDIS_PREFIX}:asgi",
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": REDIS_PREFIX,
        }
    }
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": REDIS_PREFIX,
        "url": REDIS_URL,
        "immediate": env_bool("HUEY_IMMEDIATE", False),
        # Each `manage.py run_huey` process; several processes may run on several hosts.
        "consumer": {
            "workers": int(ENV.get("HUEY_WORKERS", "4")),
            "worker_type": "thread",
        },
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "helpdesk",
        }
    }
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "helpdesk",
        "filename": str(ENV.get("HUEY_SQLITE_PATH", DATA_DIR / "huey.sqlite3")),
        "immediate": env_bool("HUEY_IMMEDIATE", False),
    }
# Embedded profile: the `serve` command runs the Huey consumer inside the ASGI server process.
HUEY_EMBEDDED_CONSUMER = env_bool("HUEY_EMBEDDED_CONSUMER", not PRODUCTION)

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "directory.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# --- I18N -----------------------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Third-party browser assets come from the npm registry through `make assets` (never committed).
FRONTEND_MODULES = BASE_DIR / "web" / "frontend" / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", FRONTEND_MODULES / "htmx.org" / "dist"),
    ("vendor/chartjs", FRONTEND_MODULES / "chart.js" / "dist"),
]
SILENCED_SYSTEM_CHECKS = ["staticfiles.W004"]  # vendor dirs are absent until `make assets` ran
MEDIA_ROOT = Path(ENV.get("MEDIA_ROOT", DATA_DIR / "media"))
# Attachments: local disk (MEDIA_ROOT) by default, S3-compatible object storage with
# HELPDESK_STORAGE=s3 (django-storages; bucket and credentials from the AWS_* variables).
HELPDESK_STORAGE = ENV.get("HELPDESK_STORAGE", "local").strip().lower()
if HELPDESK_STORAGE == "s3":
    if not ENV.get("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("HELPDESK_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME (see docs/deploy.md).")
    _default_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": ENV["AWS_STORAGE_BUCKET_NAME"],
            "endpoint_url": ENV.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": ENV.get("AWS_S3_REGION_NAME") or None,
            "access_key": ENV.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": ENV.get("AWS_SECRET_ACCESS_KEY") or None,
            "location": ENV.get("AWS_LOCATION", "attachments"),
            # Attachments are private: signed, short-lived URLs; never overwrite a stored file.
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": int(ENV.get("AWS_QUERYSTRING_EXPIRE", "300")),
            "file_overwrite": False,
        },
    }
elif HELPDESK_STORAGE == "local":
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
else:
    raise ImproperlyConfigured(f"HELPDESK_STORAGE must be 'local' or 's3', not {HELPDESK_STORAGE!r}.")
# Hashed, compressed static files (collectstatic required). The production test run turns this off:
# tests and channels' live-server static handler look files up by their unhashed names.
STATIC_MANIFEST = env_bool("HELPDESK_STATIC_MANIFEST", PRODUCTION)
# Embedded profile: whitenoise serves static files straight from the apps (no collectstatic step).
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Mail -----------------------------------------------------------------------------------
# Embedded profile: each e-mail is written to a file in var/mail/ (readable, and kept out of the
# server's log); production sends through SMTP.
EMAIL_BACKEND = ENV.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = Path(ENV.get("EMAIL_FILE_PATH", DATA_DIR / "mail"))
EMAIL_HOST = ENV.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(ENV.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = ENV.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = ENV.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = ENV.get("DEFAULT_FROM_EMAIL", "assistance-ent@localhost")

# --- Security (production) ----------------------------------------------------------------------
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(ENV.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REFERRER_POLICY = "same-origin"
    # Static files are hashed by collectstatic: browsers may keep them for a year.
    WHITENOISE_MAX_AGE = 31536000
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# --- REST framework -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.auth.ClientCredentialsAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated", "api.auth.HasScope"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.ProblemAutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttles.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api_client": ENV.get("API_THROTTLE_RATE", "1200/min")},
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Assistance ENT — API v1",
    "VERSION": "1.0.0",
    "DESCRIPTION": "API des éditeurs et intégrations : tickets, interruptions de service, webhooks signés. "
    "Guide : docs/api.md.",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"WebhookEventEnum": "api.models.WebhookEvent.choices"},
    "APPEND_COMPONENTS": {
        "securitySchemes": {
            "oauth2": {
                "type": "oauth2",
                "flows": {"clientCredentials": {"tokenUrl": "/api/v1/oauth/token/", "scopes": {
                    "tickets:read": "Lire les tickets du périmètre",
                    "tickets:write": "Agir sur les tickets du périmètre",
                    "outages:write": "Déclarer et clore des interruptions",
                }}},
            },
        },
    },
    "SECURITY": [{"oauth2": []}],
    "AUTHENTICATION_WHITELIST": [],
}
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER = {
    "SCOPES": {
        "tickets:read": "Lire les tickets du périmètre",
        "tickets:write": "Agir sur les tickets du périmètre",
        "outages:write": "Déclarer et clore des interruptions",
    },
    "DEFAULT_SCOPES": [],
    "SCOPES_BACKEND_CLASS": "api.auth.ClientScopes",
    "OAUTH2_VALIDATOR_CLASS": "api.auth.TokenValidator",
    # The client credentials grant alone (api.auth.TokenView refuses the others before this server).
    "OAUTH2_SERVER_CLASS": "oauthlib.oauth2.BackendApplicationServer",
    "ACCESS_TOKEN_EXPIRE_SECONDS": int(ENV.get("API_TOKEN_SECONDS", "3600")),
    "PKCE_REQUIRED": True,
    # OAuth 2.0 Security BCP (RFC 9700): only client credentials are used; everything else strict.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,  # nosec B105 - a flag, not a password
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,  # nosec B105 - a flag, not a password
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,  # nosec B105 - a flag, not a password
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,  # nosec B105 - a flag, not a password
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,  # nosec B105 - a flag, not a password
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}

# --- Domain settings ----------------------------------------------------------------------------
HELPDESK = {
    # Absolute address of the web UI, for links in e-mails and webhooks (`make run` serves it here).
    "BASE_URL": ENV.get("HELPDESK_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
    # Days after resolution during which the requester may reopen a ticket.
    "REOPEN_DAYS": int(ENV.get("HELPDESK_REOPEN_DAYS", "15")),
    # A requester gets at most one e-mail per ticket per this many seconds, summing up what happened
    # (0: one per event). Agents who chose a digest get it at these local hours.
    "REQUESTER_MAIL_BATCH_SECONDS": int(ENV.get("HELPDESK_REQUESTER_MAIL_BATCH_SECONDS", "120")),
    "MAIL_DIGEST_HOURS": tuple(int(h) for h in ENV.get("HELPDESK_MAIL_DIGEST_HOURS", "8,12,17").split(",")),
    # Days after which a resolved ticket is closed automatically.
    "AUTO_CLOSE_DAYS": int(ENV.get("HELPDESK_AUTO_CLOSE_DAYS", "7")),
    "ATTACHMENT_MAX_BYTES": int(ENV.get("HELPDESK_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024))),
    # Demo accounts' password (seed_demo refuses the production profile unless forced).
    "DEMO_PASSWORD": ENV.get("HELPDESK_DEMO_PASSWORD", "demo-ent-2026"),
    # Access journal: days kept before the daily purge (the conventions ask for one year).
    "ACCESS_LOG_RETENTION_DAYS": int(ENV.get("HELPDESK_ACCESS_LOG_RETENTION_DAYS", "365")),
    # Reverse proxies in front of the app that append to X-Forwarded-For (0: use REMOTE_ADDR).
    "ACCESS_LOG_PROXY_COUNT": int(ENV.get("HELPDESK_PROXY_COUNT", "1" if PRODUCTION else "0")),
    # Closed tickets are anonymised after this many days unless their convention says otherwise.
    "TICKET_RETENTION_DAYS": int(ENV.get("HELPDESK_TICKET_RETENTION_DAYS", "1095")),
    # The national GAR support, to which an académie's GAR desk forwards a request (Poitiers art. 2
    # and 7; `forward_external`). The default is a placeholder: set the address the GAR gives the
    # académie's referents (env HELPDESK_GAR_SUPPORT_EMAIL).
    "GAR_SUPPORT_EMAIL": ENV.get("HELPDESK_GAR_SUPPORT_EMAIL", "assistance-gar@example.org"),
    # Webhooks may target loopback (127.0.0.1, ::1) and plain http: for development and tests only,
    # so off by default in production (env HELPDESK_WEBHOOK_ALLOW_LOOPBACK; docs/security.md).
    "WEBHOOK_ALLOW_LOOPBACK": env_bool("HELPDESK_WEBHOOK_ALLOW_LOOPBACK", not PRODUCTION),
}

# --- Login throttling and lockout (django-axes) -------------------------------------------------
# Five failures for one account from one client address lock that pair for 15 minutes (a success
# resets it); twenty from one client address, whatever the accounts, lock the address (spraying).
# The client address is the journal's: REMOTE_ADDR, or behind HELPDESK_PROXY_COUNT trusted proxies
# the address they saw in X-Forwarded-For (no django-ipware: its AXES_IPWARE_* settings did nothing).
AXES_FAILURE_LIMIT = int(ENV.get("AXES_FAILURE_LIMIT", "5"))
AXES_IP_FAILURE_LIMIT = int(ENV.get("AXES_IP_FAILURE_LIMIT", "20"))  # read by privacy.lockout
AXES_COOLOFF_TIME = float(ENV.get("AXES_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "privacy.lockout.LockoutHandler"
AXES_CLIENT_IP_CALLABLE = "journal.services.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "privacy/locked_out.html"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": ENV.get("LOG_LEVEL", "INFO")},
    "loggers": {"huey": {"level": "WARNING"}},
}

# --- Web UI: theme, CSP, optional OpenID Connect ------------------------------------------------
# "neutral" by default; "dsfr" (Système de design de l'État) is reserved to State websites
# (an académie running the desk), per the DSFR terms of use.
HELPDESK_THEME = ENV.get("HELPDESK_THEME", "neutral").strip().lower()
HELPDESK_OPERATOR = ENV.get("HELPDESK_OPERATOR", "Assistance ENT")
# Legal notice shown on the sign-in page (mentions d'information): who processes the data.
HELPDESK_DATA_CONTROLLER = ENV.get("HELPDESK_DATA_CONTROLLER", "l'autorité académique signataire de la convention")
HELPDESK_DPO_CONTACT = ENV.get("HELPDESK_DPO_CONTACT", "dpd@example.org")

from csp.constants import NONCE, NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF, "ws:", "wss:"] if not PRODUCTION else [SELF, "wss:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF] + env_list("OIDC_FORM_ACTION"),
    }
}

AUTHENTICATION_BACKENDS = ["privacy.auth.RequestAxesBackend", "django.contrib.auth.backends.ModelBackend"]
# OpenID Connect (ProConnect or an académie IdP) only when the environment configures it.
OIDC_ENABLED = all(ENV.get(k) for k in ("OIDC_RP_CLIENT_ID", "OIDC_RP_CLIENT_SECRET", "OIDC_OP_AUTHORIZATION_ENDPOINT"))
if OIDC_ENABLED:
    INSTALLED_APPS.append("mozilla_django_oidc")
    AUTHENTICATION_BACKENDS.append("web.oidc.HelpdeskOIDCBackend")
    OIDC_RP_CLIENT_ID = ENV["OIDC_RP_CLIENT_ID"]
    OIDC_RP_CLIENT_SECRET = ENV["OIDC_RP_CLIENT_SECRET"]
    OIDC_OP_AUTHORIZATION_ENDPOINT = ENV["OIDC_OP_AUTHORIZATION_ENDPOINT"]
    OIDC_OP_TOKEN_ENDPOINT = ENV.get("OIDC_OP_TOKEN_ENDPOINT", "")
    OIDC_OP_USER_ENDPOINT = ENV.get("OIDC_OP_USER_ENDPOINT", "")
    OIDC_OP_JWKS_ENDPOINT = ENV.get("OIDC_OP_JWKS_ENDPOINT", "")
    OIDC_RP_SIGN_ALGO = ENV.get("OIDC_RP_SIGN_ALGO", "RS256")
    OIDC_RP_SCOPES = ENV.get("OIDC_RP_SCOPES", "openid email given_name usual_name")
    OIDC_PROVIDER_NAME = ENV.get("OIDC_PROVIDER_NAME", "ProConnect")
    # The ID token's `iss` must be this one (the `issuer` of the provider's discovery document).
    OIDC_OP_ISSUER = ENV.get("OIDC_OP_ISSUER", "")
    # Accounts are provisioned in the directory (memberships give the roles): never create here.
    OIDC_CREATE_USER = False
    # Refusals (unverified e-mail, unknown or staff account, bad token) show the sign-in page.
    OIDC_CALLBACK_CLASS = "web.oidc.HelpdeskOIDCCallbackView"
    OIDC_TIMEOUT = int(ENV.get("OIDC_TIMEOUT", "10"))  # seconds per call to the provider
    # Sign-in redirects the browser to the identity provider (CSP form-action).
    from urllib.parse import urlsplit

    _op = urlsplit(OIDC_OP_AUTHORIZATION_ENDPOINT)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(f"{_op.scheme}://{_op.netloc}")
