"""Every API route under /api/, gathered from the three apps' routers."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from providers import api as providers_api
from regions import api as regions_api
from regions.statistics_api import StatisticsView
from vouchers import api as vouchers_api
from vouchers.api import redemptions as redemption_api

router = DefaultRouter()
# No `.json` suffix twins of every route: they doubled the patterns each API request is
# matched against, in order, for a form nobody uses (`?format=` still chooses the renderer).
router.include_format_suffixes = False
regions_api.register(router)
vouchers_api.register(router)
providers_api.register(router)
redemption_api.register(router)

urlpatterns = [
    path("auth/token/", regions_api.ObtainTokenView.as_view(), name="api-token"),
    path("statistics/", StatisticsView.as_view(), name="api-statistics"),
    path("", include(router.urls)),
]
