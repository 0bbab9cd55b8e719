"""Celery tasks of the voucher story: thin, idempotent wrappers over services."""

from celery import shared_task

from vouchers import services


@shared_task(name="vouchers.tasks.generate_voucher_certificate", acks_late=True)
def generate_voucher_certificate(voucher_id: int) -> str:
    """Draw the voucher's certificate PDF; running it again just redraws the same file."""
    from vouchers.models import Voucher

    if not Voucher.objects.filter(pk=voucher_id).exists():
        return ""
    return services.voucher_certificate_generate(voucher_id=voucher_id).certificate_pdf.name


@shared_task(name="vouchers.tasks.expire_vouchers")
def expire_vouchers(batch_size: int = 500) -> int:
    """Daily: expire the vouchers past their expiry and give their balance back to the budget."""
    return services.vouchers_expire_due(batch_size=batch_size)


@shared_task(name="vouchers.tasks.send_claim_notices")
def send_claim_notices() -> dict:
    """Each minute: one e-mail per district listing its officials' new claims to decide; a
    second run lists nothing twice (vouchers/services/claim_notices.py)."""
    from vouchers.services.claim_notices import claim_notices_send

    return {"sent": claim_notices_send()}
