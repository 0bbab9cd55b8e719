"""/healthz/ and /readyz/: is this process alive, and can it serve traffic.

/healthz/ answers whether the process is up and nothing more: no database, no Redis, so
that an orchestrator restarts a process only for its own faults, never for a dependency's.

/readyz/ asks the database, Redis (the Celery broker), the cache and the Celery workers (at
least one answers a ping), each with a short timeout (READYZ_TIMEOUT_SECONDS), checks that no
migration is unapplied, and says how much work waits in the outbox. 200 when every check
passes, 503 naming the one that does not: `{"status", "checks": {database, redis, cache,
celery, migrations}, "outbox"}`. Without a broker (the embedded demo runs tasks in-process)
redis and celery answer "eager", never "ok": ready, but no broker or worker was asked.
The body names only the error's type; the log has its message.
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


EAGER = "eager"
READY = {"ok", EAGER}


def _eager() -> bool:
    from portal.celery import app

    return bool(app.conf.task_always_eager)


def _broker() -> None:
    from portal.celery import app

    conn = app.connection_for_write()
    try:
        # One attempt on a new connection; kombu's Redis transport PINGs the server on it.
        conn.ensure_connection(max_retries=0, timeout=settings.READYZ_TIMEOUT_SECONDS)
    finally:
        conn.release()


def _celery() -> None:
    from portal.celery import app

    if not app.control.ping(timeout=settings.READYZ_TIMEOUT_SECONDS):
        raise RuntimeError("no Celery worker answered")


_migrations_applied = False


def _migrations() -> None:
    global _migrations_applied
    if _migrations_applied:
        return  # a process does not unapply migrations; reading the graph costs ~50 ms
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise RuntimeError("unapplied migrations")
    _migrations_applied = True


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
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    from portal.outbox import outbox_backlog

    eager = _eager()
    checks = {"database": _check("database", _database)}
    # Eager: no broker is used and tasks run inside the request; nothing to ask.
    checks["redis"] = EAGER if eager else _check("redis", _broker)
    checks["cache"] = _check("cache", _cache)
    # Without the broker a ping cannot reach any worker: say so once, under redis.
    if eager:
        checks["celery"] = EAGER
    else:
        checks["celery"] = _check("celery", _celery) if checks["redis"] == "ok" else "unknown"
    checks["migrations"] = (
        _check("migrations", _migrations) if checks["database"] == "ok" else "unknown"
    )
    ready = all(value in READY for value in checks.values())
    body = {"status": "ok" if ready else "unavailable", "checks": checks}
    try:
        body["outbox"] = outbox_backlog()
    except Exception as exc:
        logger.warning("readyz: outbox backlog unknown: %r", exc)
        body["outbox"] = f"unknown: {type(exc).__name__}"
    return JsonResponse(body, status=200 if ready else 503)
