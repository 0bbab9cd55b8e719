from django.urls import path

from vouchers import redemption_views as views

urlpatterns = [
    path("redemptions/", views.redemption_list, name="redemption-list"),
    path("redemptions/claim/<int:order_id>/", views.redemption_claim, name="redemption-claim"),
    path("redemptions/<int:pk>/", views.redemption_detail, name="redemption-detail"),
    path("redemptions/<int:pk>/approve/", views.redemption_approve, name="redemption-approve"),
    path("redemptions/<int:pk>/reject/", views.redemption_reject, name="redemption-reject"),
    path(
        "redemptions/<int:pk>/mark-paid/", views.redemption_mark_paid, name="redemption-mark-paid"
    ),
    path("official/redemptions/", views.redemptions_to_approve, name="redemptions-to-approve"),
    path("official/payments/", views.payments_to_record, name="payments-to-record"),
]
