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


@shared_task(name="providers.tasks.send_matching_digests", acks_late=True)
def send_matching_digests() -> dict:
    """The daily digest of new demands to the providers that fit them; a second run the same
    day sends nothing more."""
    return {"sent": services.matching_digest_send()}


@shared_task(name="providers.tasks.check_file_integrity")
def check_file_integrity() -> dict:
    """Nightly: re-hash every stored evidence file and order document."""
    from providers.services.integrity import file_integrity_check

    result = file_integrity_check()
    return {"check": result.pk, "files": result.files_checked, "findings": len(result.findings)}


@shared_task(name="providers.tasks.conclude_provider_notices", acks_late=True)
def conclude_provider_notices() -> dict:
    """Certify the providers whose public notice ended with no open objection (idempotent:
    each notice is concluded once, under its row lock)."""
    return {"certified": services.notices_conclude_due()}
