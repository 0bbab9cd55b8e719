from django.contrib.auth import views as auth_views
from django.urls import path, re_path

from regions import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="regions/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("official/", views.official_dashboard, name="official-dashboard"),
    path("operator/", views.operator_dashboard, name="operator-dashboard"),
    path("verify/", views.verify_lookup, name="verify-lookup"),
    path("verify/<str:serial>/", views.verify, name="verify"),
    path("settlement/", views.settlement_home, name="settlement-home"),
    path("settlement/run/", views.settlement_run_now, name="settlement-run"),
    path("settlement/<int:pk>/", views.settlement_batch, name="settlement-batch"),
    path("settlement/<int:pk>/resume/", views.settlement_resume, name="settlement-resume"),
    path(
        "settlement/<int:pk>/progress/",
        views.settlement_batch_progress,
        name="settlement-batch-progress",
    ),
    path(
        "settlement/<int:pk>/transfers/<int:transfer_id>/confirm/",
        views.settlement_confirm_transfer,
        name="settlement-confirm-transfer",
    ),
    re_path(
        r"^settlement/(?P<pk>\d+)/statements/(?P<code>[A-Za-z_]+)\.(?P<fmt>csv|pdf)$",
        views.settlement_statement,
        name="settlement-statement",
    ),
    path("official/statements/", views.settlement_statements, name="settlement-statements"),
    path("settlement/reconciliation/", views.reconciliation_reports, name="reconciliation-reports"),
    path(
        "settlement/reconciliation/run/",
        views.reconciliation_run_now,
        name="reconciliation-run",
    ),
]
