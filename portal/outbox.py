"""How a service asks for background work: by the task's name, through the outbox.

Services never import `tasks.py` (tasks import services), so they name the task here.

`enqueue` writes an `OutboxMessage` row in the caller's transaction and, once it commits,
tries to publish it at once. A broker that is down costs one short connection attempt and a
log line, never an error after the commit: the row stays unsent and the relay
(`portal.tasks.relay_outbox` every few seconds from beat, or `manage.py relay_outbox`)
publishes it later, backing off while the broker stays away.

What is published is `portal.tasks.run_outbox_message(message_id)` with task id
`outbox-<id>`. It locks the row, returns if it is done, runs the named task's body and marks
the row done in the same transaction, so a message that reaches the worker twice (the relay
published it and died before it could mark it sent) has its effect once.
"""

import importlib
import logging
import os
import threading
import time
from datetime import timedelta

import redis.exceptions
from celery.exceptions import CeleryError
from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone
from kombu.exceptions import KombuError

from portal.models import OutboxMessage
from portal.observability import bound_request_id, current_request_id

logger = logging.getLogger(__name__)

RUN_TASK = "portal.tasks.run_outbox_message"

# Tasks that commit in several transactions of their own (settlement claims its redemptions
# chunk by chunk) and are safe to run twice: they run outside the row lock, and the row is
# marked done after them.
OWN_TRANSACTIONS = {"regions.tasks.settle_batch"}

# What a publish raises when the broker is away; anything else is a bug and propagates.
BROKER_ERRORS = (KombuError, redis.exceptions.RedisError, OSError, CeleryError)


def task_by_name(task_name: str):
    """The registered Celery task; its module is imported on first use, because the web
    process does not run the worker's autodiscovery."""
    from portal.celery import app

    if task_name not in app.tasks:
        importlib.import_module(task_name.rsplit(".", 1)[0])
    return app.tasks[task_name]


def enqueue(task_name: str, **kwargs) -> OutboxMessage:
    """Queue the Celery task `task_name` with keyword arguments once the transaction commits."""
    task_by_name(task_name)  # an unknown name fails here, inside the caller's transaction
    message = OutboxMessage.objects.create(
        task_name=task_name, kwargs=kwargs, request_id=current_request_id() or ""
    )
    # robust: whatever goes wrong in the relay is logged, never raised after the commit.
    transaction.on_commit(lambda: relay_message(message), robust=True)
    return message


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), settings.OUTBOX_RETRY_MAX_SECONDS))


# The broker connection of this process and thread, by broker address: reused by every
# relay run. Opening one per claim cost two socket connects and a client set-up, a tenth of
# a claim's time. Keyed by address because the tests point the app at other brokers; by
# process and thread because a kombu connection is neither fork- nor thread-safe.
_connections = threading.local()


def _broker_connection(app):
    url = app.conf.broker_write_url or app.conf.broker_url
    key = (os.getpid(), url)
    held = getattr(_connections, "held", None)
    if held is None or held[0] != key:
        if held is not None:
            held[1].release()
        _connections.held = held = (key, app.connection_for_write())
    return held[1]


def _drop_broker_connection() -> None:
    """After a broker error: the next publish opens a fresh connection."""
    held = getattr(_connections, "held", None)
    _connections.held = None
    if held is not None:
        try:
            held[1].collect()
        except Exception:  # noqa: BLE001 - a dead connection may fail to close; it is gone
            logger.debug("outbox: closing a broken broker connection failed", exc_info=True)


class _Publisher:
    """Publishes a relay run's rows on this process's broker connection, connected with the
    short timeouts of the settings (CELERY_BROKER_CONNECTION_TIMEOUT, the transport's
    socket_connect_timeout) and no retry: the outbox is the retry."""

    def __init__(self):
        from portal.celery import app

        self.app = app
        self.eager = app.conf.task_always_eager
        # Eager mode (the demo, the tests) runs a task where it is published; these run once
        # the relay's transaction has ended, so a task's durable services are not nested.
        self.eager_runs: list[tuple] = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None

    def run_eager(self) -> None:
        """Run what eager mode published; call after the relay's transaction."""
        runs, self.eager_runs = self.eager_runs, []
        for task, message_id, request_id, options in runs:
            with bound_request_id(request_id):
                task.apply_async(args=[message_id], **options)

    def publish(self, message: OutboxMessage) -> None:
        from portal.celery import queue_for

        task = task_by_name(RUN_TASK)
        # The queue of the task the row names (settlement, PDFs, e-mail each have their own),
        # not the one of the wrapper that runs it.
        options = {
            "task_id": message.celery_task_id,
            "retry": False,
            "queue": queue_for(message.task_name),
        }
        if self.eager:
            self.eager_runs.append((task, message.pk, message.request_id, options))
            return
        try:
            connection = _broker_connection(self.app)
            connection.ensure_connection(
                max_retries=settings.OUTBOX_PUBLISH_CONNECT_RETRIES,
                timeout=self.app.conf.broker_connection_timeout,
            )
            # The task carries the id of the request that wrote the row, not the relay's.
            with bound_request_id(message.request_id):
                task.apply_async(args=[message.pk], connection=connection, **options)
        except BROKER_ERRORS:
            _drop_broker_connection()
            raise


def _failed_publish(message: OutboxMessage, exc: BaseException, now) -> dict:
    """The row's fields after a publish that failed (logged): one attempt more, the error,
    the next attempt backed off."""
    attempts = message.attempts + 1
    failure = {
        "attempts": attempts,
        "last_error": f"{type(exc).__name__}: {exc}"[:2000],
        "available_at": now + _retry_delay(attempts),
    }
    logger.warning(
        "outbox: %s #%s not published (attempt %s), retry after %s: %s",
        message.task_name,
        message.pk,
        attempts,
        failure["available_at"].isoformat(),
        failure["last_error"],
    )
    return failure


def _publish_locked(message: OutboxMessage, publisher: _Publisher) -> bool:
    """Publish a row the caller holds locked; record the outcome on the row."""
    now = timezone.now()
    try:
        publisher.publish(message)
    except BROKER_ERRORS as exc:
        failure = _failed_publish(message, exc, now)
        for name, value in failure.items():
            setattr(message, name, value)
        message.save(update_fields=list(failure))
        return False
    message.attempts += 1
    message.sent_at = now
    message.save(update_fields=["attempts", "sent_at"])
    return True


# Until when (time.monotonic()) this process leaves new rows to the relay without trying
# the broker: after one failed publish, a request that queued several tasks waits for one
# connection timeout, not one per task.
_broker_away_until = 0.0


def relay_message(message: OutboxMessage) -> bool:
    """Publish one row right after the transaction that wrote it commits. Never raises for a
    broker that is away.

    No transaction and no row lock: the row is in hand, so this is the publish and one
    UPDATE in autocommit (a lock cost three round trips more on every request that queues
    a task). Should the relay sweep the same row at the same moment, the message goes out
    twice with the same task id and its effect happens once (`run_message`)."""
    global _broker_away_until
    from portal.celery import app

    if not app.conf.task_always_eager and time.monotonic() < _broker_away_until:
        return False
    publisher = _Publisher()
    now = timezone.now()
    unsent = OutboxMessage.objects.filter(pk=message.pk, sent_at__isnull=True)
    try:
        publisher.publish(message)
    except BROKER_ERRORS as exc:
        unsent.update(**_failed_publish(message, exc, now))
        _broker_away_until = time.monotonic() + settings.OUTBOX_BROKER_AWAY_PAUSE_SECONDS
        return False
    unsent.update(attempts=F("attempts") + 1, sent_at=now)
    publisher.run_eager()
    return True


def relay_pending(*, limit: int = 500, ignore_backoff: bool = False) -> dict:
    """Publish rows not yet sent whose next attempt is due (every row with
    `ignore_backoff`), and again rows sent long ago and still not done (the broker lost
    them: a Redis restarted without persistence). Rows another relay holds are skipped.
    """
    now = timezone.now()
    resend_before = now - timedelta(seconds=settings.OUTBOX_RESEND_AFTER_SECONDS)
    due = Q(sent_at__isnull=True) | Q(
        sent_at__lt=resend_before, attempts__lt=settings.OUTBOX_MAX_ATTEMPTS
    )
    if not ignore_backoff:
        due &= Q(available_at__lte=now)
    sent = failed = 0
    retry_at = None
    publisher = _Publisher()
    with transaction.atomic(), publisher:
        messages = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(due, done_at__isnull=True)
            .order_by("available_at", "pk")[:limit]
        )
        for message in messages:
            if failed:
                # The broker is away: push the rest back without another connection attempt.
                OutboxMessage.objects.filter(pk=message.pk).update(available_at=retry_at)
                continue
            if _publish_locked(message, publisher):
                sent += 1
            else:
                failed += 1
                retry_at = message.available_at
    publisher.run_eager()
    return {"sent": sent, "failed": failed, "considered": len(messages)}


def run_message(*, message_id: int) -> str:
    """Run the task a row names, once: under the row's lock, done in the same transaction.

    Returns "done", "already done" or "missing" (the transaction that wrote the row rolled
    back after a publish, which the outbox never does, or the row was purged)."""
    if OutboxMessage.objects.filter(pk=message_id, task_name__in=OWN_TRANSACTIONS).exists():
        return _run_outside_lock(message_id=message_id)
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            return "missing"
        if message.done_at is not None:
            return "already done"
        task_by_name(message.task_name).run(**message.kwargs)
        OutboxMessage.objects.filter(pk=message.pk).update(done_at=timezone.now())
    logger.info("outbox: ran %s #%s", message.task_name, message_id)
    return "done"


def _run_outside_lock(*, message_id: int) -> str:
    message = OutboxMessage.objects.get(pk=message_id)
    if message.done_at is not None:
        return "already done"
    task_by_name(message.task_name).run(**message.kwargs)
    OutboxMessage.objects.filter(pk=message_id, done_at__isnull=True).update(done_at=timezone.now())
    logger.info("outbox: ran %s #%s", message.task_name, message_id)
    return "done"


def record_failure(*, message_id: int, error: BaseException) -> None:
    OutboxMessage.objects.filter(pk=message_id).update(
        last_error=f"run: {type(error).__name__}: {error}"[:2000]
    )


def purge_done(*, older_than: timedelta | None = None) -> int:
    """Delete rows done more than `older_than` ago (OUTBOX_KEEP_DAYS by default)."""
    age = older_than if older_than is not None else timedelta(days=settings.OUTBOX_KEEP_DAYS)
    deleted, _ = OutboxMessage.objects.filter(done_at__lt=timezone.now() - age).delete()
    return deleted


def outbox_backlog() -> dict:
    """What is not done yet: how many rows and how old the oldest is, in seconds."""
    stats = OutboxMessage.objects.filter(done_at__isnull=True).aggregate(
        oldest=Min("created_at"), pending=Count("pk")
    )
    oldest = stats["oldest"]
    return {
        "pending": stats["pending"],
        "oldest_seconds": round((timezone.now() - oldest).total_seconds()) if oldest else 0,
    }


def stale_messages(*, older_than: timedelta):
    """Rows older than `older_than` that are not done: work that is late or lost."""
    return OutboxMessage.objects.filter(
        done_at__isnull=True, created_at__lt=timezone.now() - older_than
    ).order_by("created_at")
