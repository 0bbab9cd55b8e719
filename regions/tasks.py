"""Celery tasks of the regions app: thin, idempotent wrappers over services."""

from celery import shared_task
from django.core.mail import send_mail

from regions import services


@shared_task(name="regions.tasks.reconcile")
def reconcile() -> dict:
    report = services.reconciliation_run()
    return {"report": report.pk, "ok": report.ok, "breaches": len(report.breaches)}


@shared_task(
    name="regions.tasks.send_notification",
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def send_notification(*, recipients: list[str], subject: str, body: str) -> int:
    return send_mail(subject=subject, message=body, from_email=None, recipient_list=recipients)
