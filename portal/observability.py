"""Request ids, structured logs, Celery task hooks and the error tracker.

Every request gets an id: the X-Request-ID header when the request comes from one of
TRUSTED_PROXY_IPS (the proxy that set it) and the value is a plain token, otherwise a new
uuid4. It lives in a context variable for the request, comes back as the X-Request-ID
response header, and `RequestIdFilter` writes it into every log record. A task published
while it is set carries it in the `portal_request_id` message header (`before_task_publish`);
the worker restores it before the task runs (`task_prerun`), so the worker's lines for that
task carry the request's id. Outbox rows (portal/outbox.py) store the id they were written
under and the relay publishes each row under its own id, whenever and wherever it runs.
"""

import json
import logging
import re
import time
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from celery import signals
from django.conf import settings
from django.core.signals import request_finished
from django.dispatch import receiver

from portal import metrics

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
task_var: ContextVar[tuple[str, str] | None] = ContextVar("celery_task", default=None)

HEADER = "X-Request-ID"
TASK_HEADER = "portal_request_id"
# What a proxy may hand us as an id: no spaces, quotes or control characters in a log line.
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:@-]{1,128}$")


def current_request_id() -> str | None:
    return request_id_var.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


@contextmanager
def bound_request_id(request_id: str | None):
    """Run the block under `request_id` (the outbox relay publishes each row under its own)."""
    token = request_id_var.set(request_id or None)
    try:
        yield
    finally:
        request_id_var.reset(token)


def _incoming_request_id(request) -> str | None:
    from portal.security import _in_networks

    value = request.headers.get(HEADER, "").strip()
    if not value or not _SAFE_ID.match(value):
        return None
    trusted = settings.TRUSTED_PROXY_IPS
    if not trusted or not _in_networks(request.META.get("REMOTE_ADDR", ""), trusted):
        return None
    return value


class ObservabilityMiddleware:
    """First in MIDDLEWARE: binds the request id, counts and times the request by view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = _incoming_request_id(request) or new_request_id()
        request.request_id = request_id
        # Left set until the response is finished (`_forget_request_id`): Django logs a 4xx or
        # 5xx ("Not Found: ...") after the middleware has returned.
        request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        except Exception:
            # Only reached when no handler turned the error into a response (tests that
            # re-raise); the 500 is counted all the same.
            metrics.observe_request(request, 500, time.perf_counter() - started)
            raise
        metrics.observe_request(request, response.status_code, time.perf_counter() - started)
        response[HEADER] = request_id
        return response


@receiver(request_finished, dispatch_uid="portal-forget-request-id")
def _forget_request_id(**kwargs):
    request_id_var.set(None)


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (and, in a worker, `task_id` and `task_name`) to every record."""

    def filter(self, record):
        record.request_id = request_id_var.get() or "-"
        task = task_var.get()
        record.task_id, record.task_name = task if task else ("-", "-")
        return True


# Attributes every LogRecord has; anything else on a record came in through `extra=`.
_RECORD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, request id, task, the
    fields given with `extra=`, and the traceback when there is one."""

    def format(self, record):
        body = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if getattr(record, "task_id", "-") != "-":
            body["task_id"] = record.task_id
            body["task_name"] = record.task_name
        for key, value in vars(record).items():
            if key not in _RECORD_ATTRS and key not in body and key not in {"task_id", "task_name"}:
                body[key] = value
        if record.exc_info:
            body["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            body["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(body, default=str, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"


def logging_config(*, log_format: str, level: str) -> dict:
    """The LOGGING dict for LOG_FORMAT json or text."""
    formatter = (
        {"()": "portal.observability.JsonFormatter"}
        if log_format == "json"
        else {"format": TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "portal.observability.RequestIdFilter"}},
        "formatters": {"portal": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "portal",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's own handlers (a plain console with DEBUG, mail to ADMINS) replaced:
            # its records go to the root handler like every other.
            "django": {"handlers": [], "level": level, "propagate": True},
            "django.server": {"handlers": ["console"], "level": level, "propagate": False},
        },
    }


# --- Celery ------------------------------------------------------------------------------


@signals.setup_logging.connect(weak=False, dispatch_uid="portal-setup-logging")
def _celery_setup_logging(**kwargs):
    """The worker logs through settings.LOGGING (json or text, with the request id) instead
    of Celery's own format: connecting this signal makes Celery leave logging to us."""
    import logging.config

    logging.config.dictConfig(settings.LOGGING)


@signals.before_task_publish.connect(weak=False, dispatch_uid="portal-request-id-publish")
def _put_request_id_in_headers(headers=None, **kwargs):
    request_id = request_id_var.get()
    if request_id and headers is not None and not headers.get(TASK_HEADER):
        headers[TASK_HEADER] = request_id


# Per task id: the context tokens to reset and when it started (a task runs on one thread).
_running: dict[str, tuple] = {}


@signals.task_prerun.connect(weak=False, dispatch_uid="portal-task-prerun")
def _task_prerun(task_id=None, task=None, **kwargs):
    request_id = task.request.get(TASK_HEADER) if task is not None else None
    if not request_id and task is not None and task.request.is_eager:
        # Run in-process by the caller: it keeps the caller's id.
        request_id = request_id_var.get()
    name = getattr(task, "name", "?")
    if len(_running) > 10_000:
        # An eager task that raised to its caller never gets its postrun: forget those.
        _running.clear()
    _running[task_id] = (
        request_id_var.set(request_id or None),
        task_var.set((task_id, name)),
        time.perf_counter(),
    )


@signals.task_postrun.connect(weak=False, dispatch_uid="portal-task-postrun")
def _task_postrun(task_id=None, task=None, state=None, **kwargs):
    running = _running.pop(task_id, None)
    if running is None:
        return
    request_token, task_token, started = running
    metrics.observe_task(
        getattr(task, "name", "?"), state or "UNKNOWN", time.perf_counter() - started
    )
    task_var.reset(task_token)
    request_id_var.reset(request_token)


@signals.task_failure.connect(weak=False, dispatch_uid="portal-task-failure")
def _task_failure(sender=None, **kwargs):
    metrics.observe_task_failure(getattr(sender, "name", "?"))


# --- Error tracker -----------------------------------------------------------------------


def init_sentry(*, dsn: str, environment: str, release: str, traces_sample_rate: float) -> None:
    """Sentry with its Django and Celery integrations; called by settings when SENTRY_DSN is
    set. No personal data is sent (user ids only as Sentry's integrations see them)."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        traces_sample_rate=traces_sample_rate,
        send_default_pii=False,
        integrations=[
            DjangoIntegration(),
            CeleryIntegration(),
            # Log records become breadcrumbs; only exceptions become events.
            LoggingIntegration(level=logging.INFO, event_level=None),
        ],
    )
    sentry_sdk.set_tag("service", "portal")
