from django.contrib.auth import views as auth_views
from django.urls import path

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
    path("healthz/", views.healthz, name="healthz"),
]
