"""Celery tasks of the outbox (portal/outbox.py): run a message once, relay, purge; and the
nightly purge of expired sessions."""

from importlib import import_module

from celery import shared_task
from django.conf import settings

from portal import outbox


# ignore_result: the row records that it ran, nobody waits on the result. With a result
# backend each publish also subscribed the web process to the task's result channel and the
# worker stored a result for a day: a Redis round trip on each side of every write.
@shared_task(name=outbox.RUN_TASK, bind=True, acks_late=True, max_retries=None, ignore_result=True)
def run_outbox_message(self, message_id: int) -> str:
    """Run the task an outbox row names, at most once per row whatever the deliveries.

    A failure rolls the row back to not done and retries with backoff; after
    OUTBOX_RUN_MAX_RETRIES the row stays not done and `reconcile` reports it.
    """
    try:
        return outbox.run_message(message_id=message_id)
    except Exception as exc:
        outbox.record_failure(message_id=message_id, error=exc)
        if self.request.is_eager or self.request.retries >= settings.OUTBOX_RUN_MAX_RETRIES:
            raise
        countdown = min(10 * 2**self.request.retries, 600)
        raise self.retry(exc=exc, countdown=countdown) from exc


@shared_task(name="portal.tasks.relay_outbox")
def relay_outbox() -> dict:
    return outbox.relay_pending()


@shared_task(name="portal.tasks.purge_outbox")
def purge_outbox() -> int:
    return outbox.purge_done()


@shared_task(name="portal.tasks.clear_expired_sessions")
def clear_expired_sessions() -> None:
    """Delete the sessions past their expiry, as `manage.py clearsessions` does, through the
    configured store (SESSION_ENGINE): Django never deletes them itself, so the session table
    grew by every sign-in for good."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()
