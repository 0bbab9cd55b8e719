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


@shared_task(name="providers.tasks.close_expired_demands", acks_late=True)
def close_expired_demands() -> dict:
    """Close the open demands past their deadline; running it twice closes nothing more."""
    return {"closed": services.demands_close_expired()}
