from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("api/", include("portal.api_urls")),
    path("", include("regions.urls")),
    path("", include("regions.settlement_urls")),
    path("", include("regions.export_urls")),
    path("", include("vouchers.urls")),
    path("", include("providers.urls")),
]
