from django.urls import path

from vouchers import views

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("enterprise/", views.enterprise_dashboard, name="enterprise-dashboard"),
    path("applications/new/", views.application_create, name="application-create"),
    path("applications/<int:pk>/", views.application_detail, name="application-detail"),
    path(
        "applications/<int:pk>/attachments/<int:attachment_id>/",
        views.application_attachment,
        name="application-attachment",
    ),
    path(
        "applications/<int:pk>/withdraw/", views.application_withdraw, name="application-withdraw"
    ),
    path("applications/<int:pk>/approve/", views.application_approve, name="application-approve"),
    path("applications/<int:pk>/reject/", views.application_reject, name="application-reject"),
    path("official/applications/", views.official_queue, name="official-application-queue"),
    path("official/enterprises/", views.enterprises_to_verify, name="enterprises-to-verify"),
    path("enterprises/<int:pk>/verify/", views.enterprise_verify, name="enterprise-verify"),
    path("vouchers/", views.voucher_list, name="voucher-list"),
    path("vouchers/<str:serial>/", views.voucher_detail, name="voucher-detail"),
    path(
        "vouchers/<str:serial>/certificate/",
        views.voucher_certificate,
        name="voucher-certificate",
    ),
    path("vouchers/<str:serial>/revoke/", views.voucher_revoke, name="voucher-revoke"),
]
