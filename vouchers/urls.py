from django.urls import path, re_path

from vouchers import exports
from vouchers.views import (
    applications,
    enterprises,
    payments,
    provider_payments,
    redemptions,
    related_parties,
    vouchers,
)

urlpatterns = [
    path("signup/", enterprises.signup, name="signup"),
    path("enterprise/", enterprises.enterprise_dashboard, name="enterprise-dashboard"),
    path("applications/new/", applications.application_create, name="application-create"),
    path("applications/<int:pk>/", applications.application_detail, name="application-detail"),
    path(
        "applications/<int:pk>/attachments/<int:attachment_id>/",
        applications.application_attachment,
        name="application-attachment",
    ),
    path(
        "applications/<int:pk>/withdraw/",
        applications.application_withdraw,
        name="application-withdraw",
    ),
    path(
        "applications/<int:pk>/approve/",
        applications.application_approve,
        name="application-approve",
    ),
    path(
        "applications/<int:pk>/reject/", applications.application_reject, name="application-reject"
    ),
    path("official/applications/", applications.official_queue, name="official-application-queue"),
    path("official/enterprises/", enterprises.enterprises_to_verify, name="enterprises-to-verify"),
    path("enterprises/<int:pk>/verify/", enterprises.enterprise_verify, name="enterprise-verify"),
    path("enterprises/<int:pk>/reject/", enterprises.enterprise_reject, name="enterprise-reject"),
    path("enterprises/<int:pk>/close/", enterprises.enterprise_close, name="enterprise-close"),
    path(
        "enterprise/review-again/",
        enterprises.enterprise_review_again,
        name="enterprise-review-again",
    ),
    path("enterprise/profile/", related_parties.enterprise_profile, name="enterprise-profile"),
    path(
        "enterprise/registration/",
        enterprises.enterprise_registration,
        name="enterprise-registration",
    ),
    path("enterprises/<int:pk>/", related_parties.enterprise_detail, name="enterprise-detail"),
    path(
        "enterprises/<int:pk>/related-parties/",
        related_parties.related_party_create,
        name="related-party-create",
    ),
    path("vouchers/", vouchers.voucher_list, name="voucher-list"),
    path("vouchers/<str:serial>/", vouchers.voucher_detail, name="voucher-detail"),
    path(
        "vouchers/<str:serial>/certificate/",
        vouchers.voucher_certificate,
        name="voucher-certificate",
    ),
    path("vouchers/<str:serial>/revoke/", vouchers.voucher_revoke, name="voucher-revoke"),
    # Redemptions
    path("redemptions/", redemptions.redemption_list, name="redemption-list"),
    path(
        "redemptions/claim/<int:order_id>/",
        redemptions.redemption_claim,
        name="redemption-claim",
    ),
    path("redemptions/<int:pk>/", redemptions.redemption_detail, name="redemption-detail"),
    path(
        "redemptions/<int:pk>/approve/", redemptions.redemption_approve, name="redemption-approve"
    ),
    path("redemptions/<int:pk>/reject/", redemptions.redemption_reject, name="redemption-reject"),
    path(
        "redemptions/<int:pk>/mark-paid/",
        redemptions.redemption_mark_paid,
        name="redemption-mark-paid",
    ),
    path(
        "official/redemptions/",
        redemptions.redemptions_to_approve,
        name="redemptions-to-approve",
    ),
    path("official/payments/", payments.payments_to_record, name="payments-to-record"),
    path(
        "official/payments/provider/<int:provider_pk>/",
        payments.provider_transfer,
        name="provider-transfer",
    ),
    path("provider/payments/", provider_payments.provider_payments, name="provider-payments"),
    path(
        "provider/payments.csv",
        provider_payments.provider_payments_csv,
        name="provider-payments-csv",
    ),
    re_path(
        r"^exports/(?P<kind>applications|vouchers|redemptions)\.(?P<fmt>csv|xlsx)$",
        exports.export,
        name="export",
    ),
]
