"""Settings for the Innovation Voucher Portal, read from the environment (12-factor).

With no environment at all the portal runs on its embedded default: a SQLite file in the
project and Celery tasks executed eagerly in-process, so `make demo` needs nothing installed.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-debug"
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    # django.contrib.admin, with the operator-only admin site of portal/admin_site.py.
    "portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # What every app shares; also connects the second-factor sign-in signal (portal/apps.py).
    "portal.apps.PortalConfig",
    "regions",
    "providers",
    "vouchers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.security.RefuseNulCharacters",
    "portal.security.ContentSecurityPolicy",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "portal.api.ApiTimesInUtc",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Officials and the operator finish their second step before any other page.
    "portal.two_factor.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Turns a login refused by the lock-out into the 429 page (portal.lockout).
    "axes.middleware.AxesMiddleware",
    # After authentication: replays POST /api/ retries that carry an Idempotency-Key.
    "portal.idempotency.IdempotencyMiddleware",
]

# The benchmarks serve their bare floor views beside the portal (benchmarks/floor_urls.py).
ROOT_URLCONF = os.environ.get("ROOT_URLCONF") or "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "regions.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite serialises writers; wait for the lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

AUTH_USER_MODEL = "regions.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses any login of a locked-out account or address before a password is checked.
    "portal.lockout.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Our zh_Hans number grouping ("10,000,000.00", as in English) and date inputs; see the module.
FORMAT_MODULE_PATH = ["portal.formats"]
# Off on purpose: on, Django would also write "1,500.00" into form inputs, which then fail
# to parse as decimals. Amounts are grouped by the `cny` filter and `intcomma` instead.
USE_THOUSAND_SEPARATOR = False
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# Uploaded evidence, qualifications and generated PDFs are private: they are never under
# STATIC or a public MEDIA_URL, and are streamed only by views that check the reader.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(20 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
CJK_FONT_PATH = BASE_DIR / "static" / "fonts" / "wqy-microhei.ttc"
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:8000")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", "")  # for the filebased backend
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Innovation Voucher Portal <noreply@voucher.example>"
)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "portal.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "portal.api.PortalPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "portal.filters.ApiFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "DEFAULT_THROTTLE_CLASSES": [
        "portal.throttling.AnonThrottle",
        "portal.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("THROTTLE_ANON", "600/minute"),
        "user": os.environ.get("THROTTLE_USER", "6000/minute"),
    },
}
# Seconds an API token's user is kept in the cache (portal/authentication.py); 0: never.
TOKEN_CACHE_SECONDS = int(os.environ.get("TOKEN_CACHE_SECONDS", "60"))
# JSON request bodies nested deeper than this are refused with a 400 (portal/parsers.py).
API_JSON_MAX_DEPTH = int(os.environ.get("API_JSON_MAX_DEPTH", "32"))
# Throttling counts requests in this cache: per process in memory by default; set
# CACHE_URL=redis://host:6379/1 so that every gunicorn worker shares the counts.
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://")):
    # Short timeouts: a cache that is away costs a request a second at most, and the
    # throttles then let the request through (portal/throttling.py).
    cache_timeout = float(os.environ.get("CACHE_SOCKET_TIMEOUT", "1"))
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "OPTIONS": {
                "socket_connect_timeout": cache_timeout,
                "socket_timeout": cache_timeout,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Two-step sign-in (TOTP app and recovery codes) for district officials, the operator and
# staff accounts: on by default in production (DEBUG off), off in the demo and the tests.
REQUIRE_2FA = env_bool("REQUIRE_2FA", not DEBUG)
OTP_TOTP_ISSUER = "Innovation Voucher Portal"

# Addresses (or networks, "10.0.0.0/8") of the reverse proxies in front of the portal. Only a
# request from one of them has its X-Forwarded-For read for the client address (login
# lock-out, throttling); by default the header is ignored and REMOTE_ADDR is the client.
TRUSTED_PROXY_IPS = env_list("TRUSTED_PROXY_IPS", "")

# Login lock-out (django-axes) on every login path: after LOGIN_FAILURE_LIMIT wrong passwords
# for one account, or from one client address, both are refused for LOGIN_COOLOFF_MINUTES
# (a failure during the cool-off starts it again). Failures are listed in the admin.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=float(os.environ.get("LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "portal.security.client_ip"
AXES_LOCKOUT_CALLABLE = "portal.lockout.lockout_response"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False

SPECTACULAR_SETTINGS = {
    # Swagger UI served by the portal itself: no CDN, works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "TITLE": "Innovation Voucher Portal API",
    "DESCRIPTION": "Cross-region innovation vouchers of Yangpu, Wujin, Nanhu and Hefei High-tech Zone.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Integer bounds as on PostgreSQL whatever the database, so schema.yml is one file.
    "DEFAULT_GENERATOR_CLASS": "portal.schema.PortalSchemaGenerator",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        # Error bodies (400-429) and the Idempotency-Key header on every operation.
        "portal.api.document_errors_and_idempotency",
        # No NUL in a text parameter (portal.security answers 400).
        "portal.api.document_no_nul_in_parameters",
    ],
}

# Celery: with no broker the tasks run eagerly in-process (the embedded default).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# Settlement spreads a large batch over several workers with a chord, which needs a result
# backend: the broker's Redis unless one is given.
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or CELERY_BROKER_URL or None
CELERY_RESULT_EXPIRES = 24 * 3600
# One queue name per deployment (or per test run sharing a Redis database).
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_DEFAULT_QUEUE", "celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600")),
    # Look for the tasks of a dead worker every 10 s (kombu's default scans every 100 s), so
    # a settlement task is redelivered soon after its visibility timeout.
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
    # A Redis that is away is noticed within a second, not after the OS's TCP timeout. The
    # read timeout stays above the worker's 1 s BRPOP poll.
    "socket_connect_timeout": float(os.environ.get("CELERY_BROKER_SOCKET_CONNECT_TIMEOUT", "1")),
    "socket_timeout": float(os.environ.get("CELERY_BROKER_SOCKET_TIMEOUT", "5")),
}
CELERY_BROKER_CONNECTION_TIMEOUT = float(os.environ.get("CELERY_BROKER_CONNECTION_TIMEOUT", "2"))
# The outbox (portal/outbox.py): services' tasks are rows first, published after commit.
# Connection attempts per publish (0: one try; the relay is the retry), how long a process
# leaves new rows to the relay after a failed publish, the longest wait
# between two attempts at one row, when a row sent but not done is published again (the
# broker lost it), how often, how often a failing task is retried, and how long done rows
# are kept.
OUTBOX_PUBLISH_CONNECT_RETRIES = int(os.environ.get("OUTBOX_PUBLISH_CONNECT_RETRIES", "0"))
OUTBOX_BROKER_AWAY_PAUSE_SECONDS = float(os.environ.get("OUTBOX_BROKER_AWAY_PAUSE_SECONDS", "5"))
OUTBOX_RETRY_MAX_SECONDS = int(os.environ.get("OUTBOX_RETRY_MAX_SECONDS", "60"))
OUTBOX_RESEND_AFTER_SECONDS = int(os.environ.get("OUTBOX_RESEND_AFTER_SECONDS", "1800"))
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "20"))
OUTBOX_RUN_MAX_RETRIES = int(os.environ.get("OUTBOX_RUN_MAX_RETRIES", "8"))
OUTBOX_KEEP_DAYS = int(os.environ.get("OUTBOX_KEEP_DAYS", "7"))
# `reconcile` reports outbox rows and certificates still missing after this many minutes.
OUTBOX_LATE_MINUTES = int(os.environ.get("OUTBOX_LATE_MINUTES", "30"))
# /readyz/: how long each dependency may take to answer.
READYZ_TIMEOUT_SECONDS = float(os.environ.get("READYZ_TIMEOUT_SECONDS", "1"))
CELERY_TASK_SERIALIZER = "json"
# Settlement: redemptions claimed per transaction, and at most how many tasks share a batch.
# (Tests only: SETTLEMENT_CHUNK_DELAY_SECONDS makes each claim chunk pause, so that a test can
# kill a worker in the middle of a batch; regions/settlement/services.py reads it, never set here.)
SETTLEMENT_CHUNK_SIZE = int(os.environ.get("SETTLEMENT_CHUNK_SIZE", "5000"))
SETTLEMENT_PARTS = int(os.environ.get("SETTLEMENT_PARTS", "4"))
# An open batch with no claimed chunk for this long is stalled (its worker died, its messages
# wait for the broker's visibility timeout): the minute beat re-queues what is left of it.
SETTLEMENT_STALL_SECONDS = int(os.environ.get("SETTLEMENT_STALL_SECONDS", "120"))
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "expire-vouchers-daily": {
        "task": "vouchers.tasks.expire_vouchers",
        "schedule": crontab(hour=0, minute=10),
    },
    "settlement-nightly": {
        "task": "regions.tasks.create_nightly_settlement_batch",
        "schedule": crontab(hour=1, minute=0),
    },
    "settlement-resume-stalled": {
        "task": "regions.tasks.resume_stalled_settlement_batches",
        "schedule": float(os.environ.get("SETTLEMENT_RESUME_EVERY_SECONDS", "60")),
    },
    "reconcile-nightly": {
        "task": "regions.tasks.reconcile",
        "schedule": crontab(hour=3, minute=0),
    },
    "purge-idempotency-keys": {
        "task": "portal.idempotency.purge_idempotency_keys",
        "schedule": crontab(hour=4, minute=0),
    },
    "relay-outbox": {
        "task": "portal.tasks.relay_outbox",
        "schedule": float(os.environ.get("OUTBOX_RELAY_INTERVAL", "10")),
        # A relay queued behind an outage is useless once the next one is due.
        "options": {"expires": float(os.environ.get("OUTBOX_RELAY_INTERVAL", "10"))},
    },
    "purge-outbox": {
        "task": "portal.tasks.purge_outbox",
        "schedule": crontab(hour=4, minute=20),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Headers of every response (SecurityMiddleware and portal.security.ContentSecurityPolicy).
# No inline script anywhere: every script is a file under static/js. Inline style attributes
# stay allowed for the budget bars, whose widths are data.
CONTENT_SECURITY_POLICY = os.environ.get(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

if not DEBUG:
    # Production sits behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # The container's health check calls the app directly, over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
