from django.urls import path, re_path

from providers import views

urlpatterns = [
    path("providers/", views.provider_directory, name="provider-directory"),
    path("providers/apply/", views.provider_apply, name="provider-apply"),
    path("providers/to-certify/", views.providers_to_certify, name="providers-to-certify"),
    path("providers/<int:pk>/", views.provider_detail, name="provider-detail"),
    re_path(
        r"^providers/(?P<pk>\d+)/(?P<action>certify|reject|suspend|revoke)/$",
        views.provider_decide,
        name="provider-decide",
    ),
    path(
        "providers/<int:pk>/qualifications/<int:qualification_id>/",
        views.provider_qualification,
        name="provider-qualification",
    ),
    path(
        "providers/<int:pk>/certificates/<int:certificate_id>/pdf/",
        views.provider_certificate_pdf,
        name="provider-certificate-pdf",
    ),
    path("provider/", views.provider_dashboard, name="provider-dashboard"),
    path("provider/offerings/", views.offering_list, name="offering-list"),
    path("provider/offerings/new/", views.offering_create, name="offering-create"),
    path("provider/offerings/<int:pk>/edit/", views.offering_edit, name="offering-edit"),
    path(
        "provider/offerings/<int:pk>/deactivate/",
        views.offering_set_active,
        {"active": False},
        name="offering-deactivate",
    ),
    path(
        "provider/offerings/<int:pk>/activate/",
        views.offering_set_active,
        {"active": True},
        name="offering-activate",
    ),
    path("orders/", views.order_list, name="order-list"),
    path("orders/new/", views.order_create, name="order-create"),
    path("orders/disputed/", views.disputed_orders, name="disputed-orders"),
    path("orders/<int:pk>/", views.order_detail, name="order-detail"),
    path("orders/<int:pk>/complete/", views.order_complete, name="order-complete"),
    re_path(
        r"^orders/(?P<pk>\d+)/(?P<action>accept|decline|confirm|dispute|cancel)/$",
        views.order_action,
        name="order-action",
    ),
    path(
        "orders/<int:pk>/evidence/<int:file_id>/",
        views.order_evidence,
        name="order-evidence",
    ),
]
