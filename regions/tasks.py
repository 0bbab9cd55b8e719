"""Celery tasks of the regions app: thin, idempotent wrappers over services."""

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import OperationalError

from regions import audit_chain, services


@shared_task(name="regions.tasks.reconcile")
def reconcile() -> dict:
    report = services.reconciliation_run()
    return {"report": report.pk, "ok": report.ok, "breaches": len(report.breaches)}


@shared_task(name="regions.tasks.seal_audit_chain")
def seal_audit_chain() -> dict:
    return {"sealed": audit_chain.audit_chain_seal()}


@shared_task(name="regions.tasks.apply_rules_versions")
def apply_rules_versions() -> dict:
    """Copy each rules version whose date has come onto its district-year row."""
    from regions.rules import rules_apply_all_due

    return {"applied": rules_apply_all_due()}


@shared_task(name="regions.tasks.send_reminders")
def send_reminders() -> dict:
    """The daily reminders; a second run on the same day sends nothing again."""
    from regions.reminders import reminders_send

    return {"sent": reminders_send()}


@shared_task(
    name="regions.tasks.send_notification",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_notification(*, recipients: list[str], subject: str, body: str) -> int:
    return send_mail(subject=subject, message=body, from_email=None, recipient_list=recipients)


@shared_task(
    name="regions.tasks.send_password_reset",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_password_reset(*, email: str, language: str = "") -> int:
    """The link to choose a new password, to the account with `email` if there is one
    (queued for any address by regions.accounts.password_reset_request)."""
    from regions.accounts import password_reset_mails

    sent = 0
    for recipients, subject, body in password_reset_mails(email=email, language=language):
        sent += send_mail(subject=subject, message=body, from_email=None, recipient_list=recipients)
    return sent


@shared_task(
    name="regions.tasks.notify_officials",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def notify_officials(
    *, region_id: int, messages=None, fallback: str = "", subject: str = "", body: str = ""
) -> int:
    """E-mail the district's active officials, looked up when the mail goes out: the action
    that asked for it (a claim) spends no query on their addresses in its transaction.
    `messages` is {language: [subject, body]}: each official gets the one in their language,
    else `fallback`'s. (A message queued before languages came has one `subject` and `body`.)"""
    from portal.emails import addresses_by_language
    from regions.selectors import official_emails

    recipients = official_emails(region_id)
    if not recipients:
        return 0
    if messages is None:
        messages = {fallback: [subject, body]}
    sent = 0
    groups = addresses_by_language(recipients, fallback=fallback or settings.LANGUAGE_CODE)
    for language, addresses in groups.items():
        subject, body = (
            messages.get(language) or messages.get(fallback) or next(iter(messages.values()))
        )
        sent += send_mail(subject=subject, message=body, from_email=None, recipient_list=addresses)
    return sent


# --- settlement ----------------------------------------------------------------------------
# Every settlement task takes the batch id, re-reads its rows and is safe to run twice, in
# parallel, or again after a worker died mid-way (acks_late + reject_on_worker_lost redeliver
# it): claims only touch rows whose batch is still NULL, and compute runs once per batch under
# the batch's row lock.


def _same_queue(task) -> dict:
    """Sub-tasks follow the queue their parent came from (a dedicated settlement queue)."""
    queue = (task.request.delivery_info or {}).get("routing_key")
    return {"queue": queue} if queue else {}


@shared_task(name="regions.tasks.create_nightly_settlement_batch")
def create_nightly_settlement_batch() -> dict:
    from regions.settlement import selectors
    from regions.settlement import services as settlement

    if not selectors.unsettled_summary()["count"]:
        return {"batch": None}
    batch = settlement.settlement_batch_create(actor=None)
    return {"batch": batch.pk}


@shared_task(name="regions.tasks.resume_stalled_settlement_batches")
def resume_stalled_settlement_batches() -> dict:
    from regions.settlement import services as settlement

    return {"resumed": settlement.resume_stalled_batches()}


@shared_task(
    name="regions.tasks.settle_batch",
    bind=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=10,
)
def settle_batch(self, batch_id: int) -> dict:
    """Settle the batch: claim in one task when small, else one task per id range (a chord)
    whose callback sweeps up what is left and computes."""
    from celery import chord

    from regions.models import SettlementBatch
    from regions.settlement import services as settlement

    if not SettlementBatch.objects.filter(pk=batch_id, status="open").exists():
        return {"batch": batch_id, "skipped": True}
    ranges = settlement.settlement_plan(batch_id=batch_id)
    if len(ranges) <= 1:
        batch = settlement.settlement_run(batch_id=batch_id)
        return {"batch": batch_id, "status": batch.status, "parts": len(ranges)}
    options = _same_queue(self)
    header = [settle_batch_part.s(batch_id, low, high).set(**options) for low, high in ranges]
    chord(header)(finish_settlement_batch.si(batch_id).set(**options))
    return {"batch": batch_id, "parts": len(ranges)}


@shared_task(
    name="regions.tasks.settle_batch_part",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=10,
    ignore_result=False,
)
def settle_batch_part(batch_id: int, low: int, high: int) -> int:
    from regions.settlement import services as settlement

    return settlement.settlement_claim_range(batch_id=batch_id, low=low, high=high)


@shared_task(
    name="regions.tasks.finish_settlement_batch",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=10,
)
def finish_settlement_batch(batch_id: int) -> dict:
    from regions.settlement import services as settlement

    batch = settlement.settlement_run(batch_id=batch_id)
    return {"batch": batch_id, "status": batch.status, "redemptions": batch.redemption_count}
