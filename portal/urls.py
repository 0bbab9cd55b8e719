from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal import two_factor_views
from portal.health import healthz, readyz
from portal.language import set_language
from portal.metrics import metrics_view
from portal.robots import robots_txt

urlpatterns = [
    # The API first: Django tries the patterns in order on every request, and API clients
    # make most of them.
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as a file: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("api/", include("portal.api_urls")),
    path("admin/", admin.site.urls),
    path("healthz/", healthz, name="healthz"),
    path("readyz/", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("robots.txt", robots_txt, name="robots-txt"),
    path("account/2fa/setup/", two_factor_views.setup, name="two-factor-setup"),
    path("account/2fa/verify/", two_factor_views.verify, name="two-factor-verify"),
    path(
        "account/2fa/recovery-codes/",
        two_factor_views.recovery_codes,
        name="two-factor-recovery-codes",
    ),
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include("regions.urls")),
    path("", include("vouchers.urls")),
    path("", include("providers.urls")),
]

handler400 = "portal.error_pages.bad_request"
handler404 = "portal.error_pages.page_not_found"
handler500 = "portal.error_pages.server_error"
