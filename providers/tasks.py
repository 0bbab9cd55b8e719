"""Celery tasks of the providers app: thin, idempotent wrappers over services."""

from celery import shared_task

from providers import services


@shared_task(name="providers.tasks.generate_provider_certificate", acks_late=True)
def generate_provider_certificate(certificate_id: int) -> dict:
    """Draw the certificate PDF; running it twice stores one PDF."""
    certificate = services.certificate_render_pdf(certificate_id=certificate_id)
    return {
        "certificate": certificate.pk,
        "serial": certificate.serial,
        "pdf": certificate.pdf.name,
    }


@shared_task(name="providers.tasks.conclude_provider_notices", acks_late=True)
def conclude_provider_notices() -> dict:
    """Certify the providers whose public notice ended with no open objection (idempotent:
    each notice is concluded once, under its row lock)."""
    return {"certified": services.notices_conclude_due()}
