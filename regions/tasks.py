"""Celery tasks of the regions app: thin, idempotent wrappers over services."""

from celery import shared_task

from regions import services


@shared_task(name="regions.tasks.reconcile")
def reconcile() -> dict:
    report = services.reconciliation_run()
    return {"report": report.pk, "ok": report.ok, "breaches": len(report.breaches)}
