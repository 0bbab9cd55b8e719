"""Settings for the Innovation Voucher Portal, read from the environment (12-factor).

With no environment at all the portal runs on its embedded default: a SQLite file in the
project and Celery tasks executed eagerly in-process, so `make demo` needs nothing installed.
"""

import ipaddress
import os
import warnings
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

# DEBUG is read in environment.py: observability.py depends on it too.
from portal.settings.environment import DEBUG, env_bool, env_float, env_int, env_list, env_rate

# The project folder (this file is portal/settings/__init__.py).
BASE_DIR = Path(__file__).resolve().parent.parent.parent

# PRODUCTION=true (docker-compose.yml sets it) makes the settings refuse to start with DEBUG
# on or a secret key anybody can read here or in .env.example.
PRODUCTION = env_bool("PRODUCTION", False)
DEVELOPMENT_SECRET_KEY = "insecure-development-key-only-for-debug"
PUBLIC_SECRET_KEYS = {DEVELOPMENT_SECRET_KEY, "change-me", "changeme", "secret"}
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("PRODUCTION is on: DEBUG must be false.")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
elif not DEBUG and SECRET_KEY.strip().lower() in PUBLIC_SECRET_KEYS:
    raise ImproperlyConfigured("SECRET_KEY is a published default: set a long random one.")
if PRODUCTION and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("PRODUCTION is on: SECRET_KEY must have at least 50 characters.")
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
    "portal.apps.LockoutConfig",  # django-axes
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
    # First: the request id and the request metrics cover everything below (observability).
    "portal.observability.ObservabilityMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything that may answer early (a NUL refused, a bad Host, static files): every
    # response carries the policy and X-Frame-Options.
    "portal.security.ContentSecurityPolicy",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # /healthz/ and /readyz/ for any Host (a load balancer or kubelet probes by IP address),
    # answered before anything below asks request.get_host() and refuses a host that
    # ALLOWED_HOSTS does not list; every other path is still checked (portal/health.py).
    "portal.health.AnswerProbesOnAnyHost",
    # Serves /static/ from gunicorn itself (no web server needed for the CSS and htmx).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.security.RefuseOversizeBodies",
    "portal.security.RefuseNulCharacters",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "portal.api.ApiTimesInUtc",
    "portal.slashes.CommonMiddlewareKeepingMethod",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # An empty 405 of a page becomes the portal's page in the reader's language; inside the
    # middleware above, whose user, messages and CSRF cookie its layout uses.
    "portal.error_pages.MethodNotAllowedPage",
    # A form sent after the session ended is told so on the login page.
    "portal.signin.SignInAgainAfterAPost",
    # Officials and the operator finish their second step before any other page.
    "portal.two_factor.SecondFactorMiddleware",
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

# System checks turned off on purpose, each with its reason where it is added.
SILENCED_SYSTEM_CHECKS: list[str] = []
try:
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
            conn_max_age=env_int("CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
except (dj_database_url.UnknownSchemeError, dj_database_url.ParseError):
    # The address is not repeated: it may hold the database password. `from None`: the
    # library's traceback and its list of every backend it knows add nothing to this.
    # A password with / # or ? cut the address short (docker-compose.yml pastes
    # POSTGRES_PASSWORD into it as it is and cannot encode it).
    raise ImproperlyConfigured(
        "DATABASE_URL is not a database address the portal can use: write "
        "postgres://USER:PASSWORD@HOST:PORT/NAME or sqlite:///PATH (sqlite:////ABSOLUTE/PATH); "
        "a / # ? or % in the user name or password must be percent-encoded "
        "(%2F, %23, %3F, %25)."
    ) from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_PREPARED_STATEMENTS", False
):
    # Parameters bound by the server, and a statement that one connection runs a fifth time
    # prepared: PostgreSQL then plans it once, not on every run. Planning cost more than
    # running a claim's two locking reads (0.76 of their 1.45 ms). On by default in the web
    # processes only (portal/wsgi.py), whose requests repeat the same short statements: a
    # statement bound by the server takes at most 65,535 parameters, and the workers and
    # commands run set-based statements (bulk inserts, id lists) without such a bound.
    # Off behind a pooler in transaction mode that cannot keep them (PgBouncer before 1.21).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite serialises writers; wait for the lock instead of failing at once. A transaction
    # takes the write lock when it begins (IMMEDIATE): one that read first and then wanted
    # to write could not wait (SQLite refuses such an upgrade at once, "database is locked"),
    # so two applications posted together failed one of them. WAL lets pages read meanwhile.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        timeout=20,
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL;",
    )
    # Covering indexes (INCLUDE) are a PostgreSQL speed-up; SQLite builds them without the
    # extra columns, which is all the embedded default needs.
    SILENCED_SYSTEM_CHECKS.append("models.W040")

AUTH_USER_MODEL = "regions.User"
AUTH_PASSWORD_VALIDATORS = [
    # Not the user name, e-mail or name again ("official-nanhu-3" for official-nanhu).
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Its message in the portal's catalogue (portal/passwords.py).
    {"NAME": "portal.passwords.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # First: refuses any login of a locked-out account or address before a password is checked.
    "portal.lockout.LockoutBackend",
    # Then: the right password of a deactivated account is refused saying so (portal.signin).
    "portal.signin.DeactivatedAccountBackend",
    "django.contrib.auth.backends.ModelBackend",
    # The operator reads the admin's tables (and changes them only through the portal).
    "portal.admin_site.OperatorReadsAdminBackend",
]
LOGIN_URL = "login"
# A form sent with a token that no longer holds (signed in or out in another tab): a page in
# the reader's language that says what happened, not Django's developer help.
CSRF_FAILURE_VIEW = "portal.error_pages.csrf_failure"
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
# "Asia/Shanghai", set in environment.py: the Celery beat (tasks.py) reads the same zone.
from portal.settings.environment import TIME_ZONE  # noqa: E402, F401

USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles")
# Static files are served by WhiteNoise (middleware above). In production `collectstatic`
# writes them under STATIC_ROOT with content-hashed names and a manifest (the Dockerfile does
# it at build time, with STATIC_MANIFEST=true); hashed files are cached for a year. Without a
# collected manifest (the demo, the tests, a DEBUG=false run straight from a checkout) the
# files are served from the source folders under their own names, so no page ever misses
# its CSS, and `{% static %}` never fails on a manifest that was not built.
STATIC_MANIFEST = not DEBUG and env_bool(
    "STATIC_MANIFEST", (STATIC_ROOT / "staticfiles.json").exists()
)
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
# A file added by an upgrade that skipped `collectstatic` is served under its own name (not
# cached for a year) instead of making every page that names it a 500.
WHITENOISE_MANIFEST_STRICT = False
# Without a collected STATIC_ROOT (the files are then served from the source folders, above)
# WhiteNoise warned "No directory at: .../staticfiles/" twice per process, in plain text among
# the JSON log lines.
if not STATIC_MANIFEST:
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
# Uploaded evidence, qualifications and generated PDFs are private: they are never under
# STATIC or a public MEDIA_URL, and are streamed only by views that check the reader.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT") or BASE_DIR / "media")
# Where those files live: the local disk under MEDIA_ROOT (one machine, or a shared volume
# mounted on every web and worker machine), or an S3-compatible bucket (MEDIA_STORAGE=s3,
# `pip install ".[s3]"`), private, read through short-lived signed URLs by the storage only.
MEDIA_STORAGE = (os.environ.get("MEDIA_STORAGE") or "local").strip().lower()
if MEDIA_STORAGE == "local":
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
elif MEDIA_STORAGE == "s3":
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ.get("AWS_STORAGE_BUCKET_NAME", ""),
            "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
            "access_key": os.environ.get("AWS_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY") or None,
            "default_acl": "private",
            "querystring_auth": True,
            # Two uploads of one name never overwrite each other (evidence is kept).
            "file_overwrite": False,
        },
    }
    if not _media_storage["OPTIONS"]["bucket_name"]:
        raise ImproperlyConfigured("MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME.")
else:
    raise ImproperlyConfigured(f"MEDIA_STORAGE must be 'local' or 's3', not {MEDIA_STORAGE!r}.")
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
CJK_FONT_PATH = BASE_DIR / "static" / "fonts" / "wqy-microhei.ttc"
# The public address, for links in e-mails and PDFs: "notaurl" made every such link broken.
PORTAL_BASE_URL = os.environ.get("PORTAL_BASE_URL") or "http://127.0.0.1:8000"
_base_url = urlsplit(PORTAL_BASE_URL.strip())
if _base_url.scheme not in {"http", "https"} or not _base_url.hostname:
    raise ImproperlyConfigured(
        f"PORTAL_BASE_URL must be the portal's public address such as "
        f"https://portal.example.gov.cn, not {PORTAL_BASE_URL!r}."
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or "django.core.mail.backends.console.EmailBackend"
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", "")  # for the filebased backend
EMAIL_HOST = os.environ.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = (
    os.environ.get("DEFAULT_FROM_EMAIL")
    or "创新券服务平台 Innovation Voucher Portal <noreply@voucher.example>"
)


REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.authentication.CachedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's JSON, written by orjson (portal/renderers.py); the browsable API as before.
    "DEFAULT_RENDERER_CLASSES": [
        "portal.renderers.PortalJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "portal.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "portal.parsers.StrictMultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "portal.api.PortalPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "portal.filters.ApiFilterBackend",
        "portal.filters.ApiOrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "DEFAULT_THROTTLE_CLASSES": [
        "portal.throttling.AnonThrottle",
        "portal.throttling.UserThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_rate("THROTTLE_ANON", "600/minute"),
        "user": env_rate("THROTTLE_USER", "6000/minute"),
    },
}
# The public serial check (/verify/), per client address, or per account when signed in
# (regions/views): serials are sequential, and this bounds anyone walking through them.
# Beyond it the page answers 429 with Retry-After. A rate as DRF writes it ("30/minute").
THROTTLE_VERIFY = env_rate("THROTTLE_VERIFY", "30/minute")
# Sign-up attempts per client address (vouchers/views/enterprises.py): each one creates an
# account and an enterprise in a district's verification queue, and says whether an e-mail
# address or a credit code is taken. Beyond it the page answers 429 with Retry-After.
THROTTLE_SIGNUP = env_rate("THROTTLE_SIGNUP", "30/hour")
# Seconds an API token's user is kept in the cache (portal/authentication.py); 0: never.
TOKEN_CACHE_SECONDS = env_int("TOKEN_CACHE_SECONDS", 60)
# JSON request bodies nested deeper than this are refused with a 400 (portal/parsers.py).
API_JSON_MAX_DEPTH = env_int("API_JSON_MAX_DEPTH", 32, minimum=4)
# Sessions live in PostgreSQL, which every web machine shares. SESSION_STORE=cached_db also
# keeps them in the cache (CACHE_URL: Redis), read there first; but then a Redis that is
# away failed the requests of signed-in people (portal.sessions now falls back to the database).
# portal.sessions is Django's cached_db store reading and writing the database alone while
# the cache fails (Django's own answered 500 to every signed-in request with Redis away).
SESSION_STORE = os.environ.get("SESSION_STORE") or "db"
SESSION_ENGINES = {"db": "django.contrib.sessions.backends.db", "cached_db": "portal.sessions"}
if SESSION_STORE not in SESSION_ENGINES:
    raise ImproperlyConfigured(f"SESSION_STORE must be 'db' or 'cached_db', not {SESSION_STORE!r}.")
SESSION_ENGINE = SESSION_ENGINES[SESSION_STORE]
# Throttling counts requests in this cache: per process in memory by default; set
# CACHE_URL=redis://host:6379/1 so that every gunicorn worker shares the counts.
CACHE_URL = os.environ.get("CACHE_URL", "").strip()
if CACHE_URL and not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    # A mistyped one fell back to a cache per process without a word: throttles stopped
    # being shared and a deleted API token lived on in the other workers.
    raise ImproperlyConfigured(
        f"CACHE_URL must be a Redis URL such as redis://host:6379/1 (or empty for a cache "
        f"per process), not {CACHE_URL!r}."
    )
if CACHE_URL:
    # Short timeouts: a cache that is away costs a request a second at most, and the
    # throttles then let the request through (portal/throttling.py).
    # 0 made every cache command fail at once (a socket that never waits).
    cache_timeout = env_float("CACHE_SOCKET_TIMEOUT", 1, minimum=0.1)
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

# Seconds the open statistics (regions/statistics.py) keep a computed answer at most; the
# services that change a figure drop it at once (a generation number in the cache).
STATISTICS_CACHE_SECONDS = env_int("STATISTICS_CACHE_SECONDS", 600)

# Two-step sign-in (TOTP app and recovery codes) for district officials, the operator and
# staff accounts: on by default in production (DEBUG off), off in the demo and the tests.
REQUIRE_2FA = env_bool("REQUIRE_2FA", not DEBUG)
OTP_TOTP_ISSUER = "Innovation Voucher Portal"

# Addresses (or networks, "10.0.0.0/8") of the reverse proxies in front of the portal. Only a
# request from one of them has its X-Forwarded-For read for the client address (login
# lock-out, throttling); by default the header is ignored and REMOTE_ADDR is the client.
TRUSTED_PROXY_IPS = env_list("TRUSTED_PROXY_IPS", "")
for _address in TRUSTED_PROXY_IPS:
    try:
        ipaddress.ip_network(_address, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXY_IPS holds {_address!r}, which is not an address such as 10.0.0.2."
        ) from None

# Login lock-out (django-axes) on every login path: after LOGIN_FAILURE_LIMIT wrong passwords
# for one account from one address, or LOGIN_ADDRESS_FAILURE_LIMIT from one address for any
# accounts, that account from it (or that address) is refused for LOGIN_COOLOFF_MINUTES (a failure during the cool-off starts
# it again); the account itself, from everywhere, after LOGIN_ACCOUNT_FAILURE_LIMIT failures
# from all addresses together (portal.lockout). Failures are listed in the admin.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_ACCOUNT_FAILURE_LIMIT = env_int("LOGIN_ACCOUNT_FAILURE_LIMIT", 30, minimum=1)
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 20, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_float("LOGIN_COOLOFF_MINUTES", 15, minimum=0.1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "portal.lockout.LockoutHandler"
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
    # Two models have a `kind`: name their enums after what they are.
    "ENUM_NAME_OVERRIDES": {
        "ProviderKindEnum": "providers.models.Provider.Kind",
        "NoticeKindEnum": "regions.models.Notice.Kind",
        "DemandStatusEnum": "providers.models.Demand.Status",
        "DemandVisibilityEnum": "providers.models.Demand.Visibility",
        "VoucherStatusEnum": "vouchers.models.Voucher.Status",
    },
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

# Headers of every response (SecurityMiddleware and portal.security.ContentSecurityPolicy).
# No inline script anywhere: every script is a file under static/js. Inline style attributes
# stay allowed for the budget bars, whose widths are data.
CONTENT_SECURITY_POLICY = os.environ.get("CONTENT_SECURITY_POLICY") or (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

if not DEBUG:
    # Production sits behind a TLS-terminating proxy that sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # The container's health check and Prometheus (/metrics) call the app directly, over
    # plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$", r"^metrics$"]
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    # Off unless asked for: a preload list entry covers every subdomain of the domain and
    # takes months to undo.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    # `check --deploy` asks for preload (W021): off by this choice, not by oversight.
    SILENCED_SYSTEM_CHECKS.append("security.W021")
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)

# Logs, /metrics and the error tracker (README: Observability) live in
# portal/settings/observability.py, imported here for the same reason as tasks.py below.
from portal.settings.observability import *  # noqa: E402, F403

# The task queue's settings (everything CELERY_*, TASK_QUEUE_NAMES, OUTBOX_*, SETTLEMENT_*,
# READYZ_*, the beat schedule) live in portal/settings/tasks.py, split off to keep this module
# short. Django reads its settings from this module only, so every one of them is imported here.
from portal.settings.tasks import *  # noqa: E402, F403
