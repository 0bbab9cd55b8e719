from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from portal import export_views
from portal.health import readyz

urlpatterns = [
    path("admin/", admin.site.urls),
    path("readyz/", readyz, name="readyz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/", include("portal.api_urls")),
    path("", include("regions.urls")),
    re_path(
        r"^exports/(?P<kind>applications|vouchers|redemptions|providers)\.(?P<fmt>csv|xlsx)$",
        export_views.export,
        name="export",
    ),
    path("", include("vouchers.urls")),
    path("", include("providers.urls")),
]

handler500 = "portal.error_pages.server_error"
