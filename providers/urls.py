from django.urls import path, re_path

from providers import exports
from providers.views import catalogue, certification, directory, notices, orders

urlpatterns = [
    path("providers/", directory.provider_directory, name="provider-directory"),
    path("providers/apply/", certification.provider_apply, name="provider-apply"),
    path("providers/to-certify/", certification.providers_to_certify, name="providers-to-certify"),
    path("providers/<int:pk>/", directory.provider_detail, name="provider-detail"),
    re_path(
        r"^providers/(?P<pk>\d+)/(?P<action>certify|reject|suspend|revoke)/$",
        certification.provider_decide,
        name="provider-decide",
    ),
    path(
        "providers/<int:pk>/qualifications/<int:qualification_id>/",
        directory.provider_qualification,
        name="provider-qualification",
    ),
    path(
        "providers/<int:pk>/certificates/<int:certificate_id>/pdf/",
        directory.provider_certificate_pdf,
        name="provider-certificate-pdf",
    ),
    path("provider-notices/", notices.notice_list, name="provider-notices"),
    path("provider-notices/<int:pk>/", notices.notice_detail, name="provider-notice-detail"),
    path(
        "provider-notices/<int:pk>/objections/",
        notices.objection_new,
        name="provider-notice-object",
    ),
    path(
        "provider-notices/<int:pk>/objections/<int:objection_id>/answer/",
        notices.objection_answer,
        name="provider-objection-answer",
    ),
    path("provider/", catalogue.provider_dashboard, name="provider-dashboard"),
    path("provider/offerings/", catalogue.offering_list, name="offering-list"),
    path("provider/offerings/new/", catalogue.offering_create, name="offering-create"),
    path("provider/offerings/<int:pk>/edit/", catalogue.offering_edit, name="offering-edit"),
    path(
        "provider/offerings/<int:pk>/deactivate/",
        catalogue.offering_set_active,
        {"active": False},
        name="offering-deactivate",
    ),
    path(
        "provider/offerings/<int:pk>/activate/",
        catalogue.offering_set_active,
        {"active": True},
        name="offering-activate",
    ),
    path("orders/", orders.order_list, name="order-list"),
    path("orders/new/", orders.order_create, name="order-create"),
    path("orders/disputed/", orders.disputed_orders, name="disputed-orders"),
    path("orders/<int:pk>/", orders.order_detail, name="order-detail"),
    path("orders/<int:pk>/complete/", orders.order_complete, name="order-complete"),
    path("orders/<int:pk>/rating/", orders.order_rate, name="order-rate"),
    path(
        "orders/<int:pk>/resolve-dispute/",
        orders.order_resolve_dispute,
        name="order-resolve-dispute",
    ),
    re_path(
        r"^orders/(?P<pk>\d+)/(?P<action>accept|decline|confirm|dispute|cancel)/$",
        orders.order_action,
        name="order-action",
    ),
    path(
        "orders/<int:pk>/evidence/<int:file_id>/",
        orders.order_evidence,
        name="order-evidence",
    ),
    re_path(r"^exports/(?P<kind>providers)\.(?P<fmt>csv|xlsx)$", exports.export, name="export"),
]
