"""Settings of observability (README: Observability): logs, /metrics and the error tracker.
Django reads only portal.settings, whose __init__.py imports every name defined here."""

import ipaddress
import os

from django.core.exceptions import ImproperlyConfigured
from sentry_sdk.utils import BadDsn, Dsn

from portal.observability import init_sentry, logging_config
from portal.settings.environment import DEBUG, env_float, env_list

# Logs: one JSON object per line (LOG_FORMAT=json, the default with DEBUG off) or text, each
# with the request id; Celery workers log the same way (portal/observability.py).

LOG_FORMAT = os.environ.get("LOG_FORMAT") or ("text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured("LOG_FORMAT must be json or text.")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
    raise ImproperlyConfigured(
        f"LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL, not {LOG_LEVEL!r}."
    )
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)
# /metrics (portal/metrics.py): clients from these networks, or with this bearer token.
METRICS_ALLOWED_NETWORKS = env_list("METRICS_ALLOWED_NETWORKS", "127.0.0.1/32")
for _network in METRICS_ALLOWED_NETWORKS:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"METRICS_ALLOWED_NETWORKS holds {_network!r}, which is not a network such as "
            f"10.0.0.0/8."
        ) from None
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
# The error tracker: on when SENTRY_DSN is set, off otherwise.
SENTRY_DSN = os.environ.get("SENTRY_DSN", "").strip()
# Read (and checked) with the tracker off too: a rate of 2 waits for the day the DSN is set.
SENTRY_TRACES_SAMPLE_RATE = env_float("SENTRY_TRACES_SAMPLE_RATE", 0, maximum=1)
if SENTRY_DSN:
    try:
        Dsn(SENTRY_DSN)
    except BadDsn as error:
        # The DSN is not repeated: it holds the project's key. `from None`: the SDK's
        # traceback adds nothing to this.
        raise ImproperlyConfigured(
            f"SENTRY_DSN is not a Sentry DSN ({error}): write "
            f"https://KEY@HOST/PROJECT_ID as the project's settings show it."
        ) from None
    init_sentry(
        dsn=SENTRY_DSN,
        environment=os.environ.get("SENTRY_ENVIRONMENT", ""),
        release=os.environ.get("SENTRY_RELEASE", ""),
        traces_sample_rate=SENTRY_TRACES_SAMPLE_RATE,
    )
