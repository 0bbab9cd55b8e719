"""/readyz/: can this process serve traffic, dependency by dependency.

/healthz/ (regions/views.py) answers whether the process is up; this one asks the database,
the Celery broker and the cache, each with a short timeout (READYZ_TIMEOUT_SECONDS), and
says how much work waits in the outbox. 200 when every dependency answers, 503 naming the
one that does not. The body names only the error's type; the log has its message.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _broker() -> None:
    from portal.celery import app

    if app.conf.task_always_eager:
        return  # no broker: tasks run in-process
    conn = app.connection_for_write()
    try:
        # One attempt on a new connection; kombu's Redis transport PINGs the server on it.
        conn.ensure_connection(max_retries=0, timeout=settings.READYZ_TIMEOUT_SECONDS)
    finally:
        conn.release()


def _cache() -> None:
    cache.set("readyz", "1", timeout=10)
    if cache.get("readyz") != "1":
        raise RuntimeError("the cache did not return what was just stored")


def _check(name: str, probe) -> str:
    try:
        probe()
    except Exception as exc:
        logger.warning("readyz: %s is down: %r", name, exc)
        return f"down: {type(exc).__name__}"
    return "ok"


@never_cache
@require_GET
def readyz(request):
    from portal.outbox import outbox_backlog

    body = {
        "database": _check("database", _database),
        "broker": _check("broker", _broker),
        "cache": _check("cache", _cache),
    }
    ready = all(value == "ok" for value in body.values())
    try:
        body["outbox"] = outbox_backlog()
    except Exception as exc:
        logger.warning("readyz: outbox backlog unknown: %r", exc)
        body["outbox"] = f"unknown: {type(exc).__name__}"
    return JsonResponse(body, status=200 if ready else 503)
