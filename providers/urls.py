from django.urls import path, re_path

from providers import exports
from providers.views import catalogue, certification, demands, directory, documents, orders, risk

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
    path("provider/", catalogue.provider_dashboard, name="provider-dashboard"),
    path("provider/profile/", catalogue.provider_profile, name="provider-profile"),
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
    path("official/risk-queue/", risk.risk_queue, name="risk-queue"),
    path("risk-flags/<int:pk>/clear/", risk.risk_flag_clear_view, name="risk-flag-clear"),
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
    path("demands/", demands.demand_list, name="demand-list"),
    path("demands/mine/", demands.my_demands, name="my-demands"),
    path("demands/new/", demands.demand_create, name="demand-create"),
    path("demands/<int:pk>/", demands.demand_detail, name="demand-detail"),
    path("demands/<int:pk>/edit/", demands.demand_edit, name="demand-edit"),
    path("demands/<int:pk>/close/", demands.demand_close, name="demand-close"),
    path("demands/<int:pk>/propose/", demands.proposal_create, name="proposal-create"),
    path("proposals/<int:pk>/withdraw/", demands.proposal_withdraw, name="proposal-withdraw"),
    path("proposals/<int:pk>/accept/", demands.proposal_accept, name="proposal-accept"),
    path(
        "proposals/<int:pk>/attachments/<int:file_id>/",
        demands.proposal_attachment,
        name="proposal-attachment",
    ),
    path(
        "orders/<int:pk>/documents/",
        documents.order_document_upload,
        name="order-document-upload",
    ),
    path(
        "orders/<int:pk>/documents/<int:document_id>/",
        documents.order_document,
        name="order-document",
    ),
    path("orders/<int:pk>/own-share/", documents.order_own_share, name="order-own-share"),
    path(
        "orders/<int:pk>/own-share/confirm/",
        documents.order_own_share_confirm,
        name="order-own-share-confirm",
    ),
    re_path(r"^exports/(?P<kind>providers)\.(?P<fmt>csv|xlsx)$", exports.export, name="export"),
]
