"""Every write of the vouchers app, one function per action of the programme.

- enterprises.py: enterprise_register (sign-up), enterprise_create (API), enterprise_verify,
  enterprise_reject, enterprise_review_again, enterprise_close
- registration.py: enterprise_registration_correct (the enterprise corrects its sign-up)
- applications.py: application_submit, application_withdraw, application_approve,
  application_reject
- vouchers.py: voucher_issue (inside approval), voucher_revoke, voucher_expire,
  vouchers_expire_due, the certificate
- redemptions.py: redemption_claim, redemption_approve, redemption_reject
- payments.py: redemption_mark_paid, redemptions_mark_paid (one transfer, several claims)
- claim_notices.py: claim_notices_send (the officials' e-mail of new claims, each minute)
"""

from vouchers.services.applications import (
    application_approve,
    application_reject,
    application_submit,
    application_withdraw,
)
from vouchers.services.enterprises import (
    enterprise_close,
    enterprise_create,
    enterprise_register,
    enterprise_reject,
    enterprise_review_again,
    enterprise_verify,
)
from vouchers.services.payments import redemption_mark_paid, redemptions_mark_paid
from vouchers.services.redemptions import (
    redemption_approve,
    redemption_claim,
    redemption_reject,
)
from vouchers.services.vouchers import (
    voucher_certificate_generate,
    voucher_certificate_pdf,
    voucher_expire,
    voucher_revoke,
    vouchers_expire_due,
)

__all__ = [
    "application_approve",
    "application_reject",
    "application_submit",
    "application_withdraw",
    "enterprise_close",
    "enterprise_create",
    "enterprise_register",
    "enterprise_reject",
    "enterprise_review_again",
    "enterprise_verify",
    "redemption_approve",
    "redemption_claim",
    "redemption_mark_paid",
    "redemption_reject",
    "redemptions_mark_paid",
    "voucher_certificate_generate",
    "voucher_certificate_pdf",
    "voucher_expire",
    "voucher_revoke",
    "vouchers_expire_due",
]
