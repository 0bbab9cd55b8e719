"""/healthz/ and /readyz/: is this process alive, and can it serve traffic.

/healthz/ answers whether the process is up and nothing more: no database, no Redis, so
that an orchestrator restarts a process only for its own faults, never for a dependency's.

/readyz/ asks the database, Redis (the Celery broker), the cache and the Celery workers (at
least one answers a ping), Redis and the cache each within READYZ_TIMEOUT_SECONDS in all
(connecting and answering: a Redis that accepts and never answers took 6-7 s), checks that no
migration is unapplied and that the collected static files' manifest is there when the
manifest storage is used, and says how much work waits in the outbox. 200 when every check
passes, 503 naming the one that does not: `{"status", "checks": {database, redis, cache,
celery, migrations, static}, "outbox"}`. Without a broker (the embedded demo runs tasks in-process)
redis and celery answer "eager", never "ok": ready, but no broker or worker was asked.
The body names only the error's type; the log has its message.

On PostgreSQL the database is bounded too: connecting within READYZ_TIMEOUT_SECONDS (2 s at
least, psycopg's floor) and each statement that reads a table (migrations, outbox) within
READYZ_TIMEOUT_SECONDS. A server that
accepted connections and never answered held /readyz/ 260 s (psycopg's own 130 s connect
timeout, for the check and again for the outbox backlog), and a table locked by a migration
held it for as long as the lock.

Both answer whatever the Host header names (`AnswerProbesOnAnyHost`): a load balancer or a
kubelet probes a process by its address, which ALLOWED_HOSTS does not list.
"""

import logging
import math
from contextlib import contextmanager

import redis
from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.files.storage import storages
from django.db import connection, transaction
from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.metrics import metrics_view

logger = logging.getLogger(__name__)


def _statement_timeout_ms() -> int:
    return max(1, round(settings.READYZ_TIMEOUT_SECONDS * 1000))


def _database() -> None:
    """Can a connection be made and answer. On PostgreSQL a connection of its own, as the
    Redis checks have, made within READYZ_TIMEOUT_SECONDS: Django's connection has no
    connect timeout (psycopg waits 130 s), and one set in DATABASES would hold every
    request's connection to the probe's patience. Its SELECT 1 waits for no lock; the checks
    that read tables do, and run under a statement timeout (`_bounded_statements`)."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return
    params = connection.get_connection_params()
    # psycopg (as libpq) counts whole seconds and waits 2 s at least.
    params["connect_timeout"] = max(2, math.ceil(settings.READYZ_TIMEOUT_SECONDS))
    with connection.Database.connect(**params, autocommit=True) as probe:
        probe.execute("SELECT 1")


@contextmanager
def _bounded_statements():
    """Django's connection, each statement in the block cut off after READYZ_TIMEOUT_SECONDS
    on PostgreSQL (a lock on django_migrations or the outbox held the check as long as the
    lock). The checks only read, so the block always rolls back: the SET LOCAL ends with
    it, even inside a transaction of the caller's (a savepoint then)."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL statement_timeout = {_statement_timeout_ms()}")
        yield
        transaction.set_rollback(True)


EAGER = "eager"
READY = {"ok", EAGER}


def _eager() -> bool:
    from portal.celery import app

    return bool(app.conf.task_always_eager)


def _broker() -> None:
    from portal.celery import app

    timeout = settings.READYZ_TIMEOUT_SECONDS
    # The broker's own read timeout (CELERY_BROKER_SOCKET_TIMEOUT, 5 s) bounded the PING that
    # follows the connect: a Redis that accepts and never answers held the check that long.
    conn = app.connection_for_write(
        connect_timeout=timeout,
        transport_options={"socket_connect_timeout": timeout, "socket_timeout": timeout},
    )
    try:
        # One attempt on a new connection; kombu's Redis transport PINGs the server on it.
        conn.ensure_connection(max_retries=0, timeout=timeout)
    finally:
        conn.release()


def _celery() -> None:
    from portal.celery import app

    # limit=1: the first worker's answer is enough. Without it the ping waited out the whole
    # timeout for answers from every worker, and a healthy probe took over a second (a
    # kubelet's default probe timeout is one).
    if not app.control.ping(timeout=settings.READYZ_TIMEOUT_SECONDS, limit=1):
        raise RuntimeError("no Celery worker answered")


_migrations_applied = False


def _migrations() -> None:
    global _migrations_applied
    if _migrations_applied:
        return  # a process does not unapply migrations; reading the graph costs ~50 ms
    from django.db.migrations.executor import MigrationExecutor

    with _bounded_statements():
        executor = MigrationExecutor(connection)
        unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if unapplied:
        raise RuntimeError("unapplied migrations")
    _migrations_applied = True


def _cache() -> None:
    if isinstance(caches["default"], RedisCache):
        _redis_cache()
        return
    cache.set("readyz", "1", timeout=10)
    if cache.get("readyz") != "1":
        raise RuntimeError("the cache did not return what was just stored")


def _redis_cache() -> None:
    """The cache's Redis, asked on a connection of its own with READYZ_TIMEOUT_SECONDS for
    connecting and answering: through the cache itself a set and a get each waited
    CACHE_SOCKET_TIMEOUT. Both commands go in one round trip."""
    timeout = settings.READYZ_TIMEOUT_SECONDS
    client = redis.Redis.from_url(
        settings.CACHES["default"]["LOCATION"],
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
    )
    key = cache.make_key("readyz")
    try:
        stored, value = client.pipeline(transaction=False).set(key, b"1", ex=10).get(key).execute()
    finally:
        client.close()
    if not stored or value != b"1":
        raise RuntimeError("the cache did not return what was just stored")


def static_manifest_missing() -> str | None:
    """The manifest file the static files storage needs and cannot find, or None.

    STATIC_MANIFEST on without `collectstatic` run into STATIC_ROOT: every page that names a
    static file answers 500, while the process itself is fine. The settings cannot refuse it
    (collectstatic runs with them), so /readyz/ and the web process's start say it."""
    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin):
        return None
    if storage.manifest_storage.exists(storage.manifest_name):
        return None
    return storage.manifest_storage.path(storage.manifest_name)


def _static() -> None:
    missing = static_manifest_missing()
    if missing:
        raise RuntimeError(f"no collected static files: {missing} is missing")


def log_missing_static_manifest() -> None:
    """One error line as a web process starts (portal/wsgi.py), naming the fix."""
    missing = static_manifest_missing()
    if missing:
        logger.error(
            "STATIC_MANIFEST is on but %s does not exist: every page will answer 500. Run "
            "`manage.py collectstatic` with the same STATIC_ROOT (or set STATIC_MANIFEST=false).",
            missing,
        )


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
    checks["static"] = _check("static", _static)
    ready = all(value in READY for value in checks.values())
    body = {"status": "ok" if ready else "unavailable", "checks": checks}
    if checks["database"] != "ok":
        # Django's connection would wait for the same database without a connect timeout.
        body["outbox"] = "unknown"
    else:
        try:
            with _bounded_statements():
                body["outbox"] = outbox_backlog()
        except Exception as exc:
            logger.warning("readyz: outbox backlog unknown: %r", exc)
            body["outbox"] = f"unknown: {type(exc).__name__}"
    return JsonResponse(body, status=200 if ready else 503)


# Prometheus scrapes /metrics by address too; it still checks its own allowlist and token.
PROBE_PATHS = frozenset({"/healthz/", "/readyz/", "/metrics"})


class AnswerProbesOnAnyHost:
    """Answers /healthz/, /readyz/ and /metrics whatever the Host header names.

    A load balancer or a kubelet probes a process by its address
    (http://10.0.0.5:8000/healthz/), which ALLOWED_HOSTS does not list: the first middleware
    to ask request.get_host() (CommonMiddleware) answered 400 DisallowedHost and the process
    looked down; Prometheus scrapes by address the same way. These answers build no URL, set
    no cookie and show nothing of a site (/metrics answers only its allowed networks or its
    token, and 404 to anyone else), so any Host may have them; every other path is checked as
    before. Sits in MIDDLEWARE after
    the request id and metrics and the security headers (none of which asks the host;
    SECURE_REDIRECT_EXEMPT lets both paths through the HTTPS redirect) and before anything
    that asks it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info in PROBE_PATHS:
            try:
                match = resolve(request.path_info, getattr(request, "urlconf", None))
            except Resolver404:
                match = None
            if match is not None and match.func in (healthz, readyz, metrics_view):
                # As the handler would: the request metrics label it by this view's name.
                request.resolver_match = match
                return match.func(request, *match.args, **match.kwargs)
        return self.get_response(request)
