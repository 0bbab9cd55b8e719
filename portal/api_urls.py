"""Every API route under /api/, gathered from the three apps' routers."""

from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.routers import APIRootView, DefaultRouter
from rest_framework.urlpatterns import format_suffix_patterns

from providers import api as providers_api
from regions import api as regions_api
from regions.statistics_api import StatisticsView
from vouchers import api as vouchers_api
from vouchers.api import redemptions as redemption_api


class PortalAPIRootView(APIRootView):
    """GET /api/: each list's address under /api/. DRF's index reversed each list's URL name,
    and `voucher-list`, `notice-list` and `redemption-list` name the pages too: the index
    linked to HTML pages. Open to anyone, as the public lists it names are (it answered 401
    to a caller without a token), and it names the statistics too."""

    permission_classes = [AllowAny]

    def get(self, request, *args, **kwargs):
        base = request.build_absolute_uri(request.path)
        links = {prefix: f"{base}{prefix}/" for prefix in self.api_root_dict if "(" not in prefix}
        links["statistics"] = f"{base}statistics/"
        return Response(dict(sorted(links.items())))


class PortalRouter(DefaultRouter):
    APIRootView = PortalAPIRootView

    def get_api_root_view(self, api_urls=None):
        """The index names the registered routes that have a list: certificates (looked up
        by serial) and proposals (read one by one) have none, and their links answered 404."""
        list_name = self.routes[0].name
        api_root_dict = {
            prefix: list_name.format(basename=basename)
            for prefix, viewset, basename in self.registry
            if hasattr(viewset, "list")
        }
        return self.APIRootView.as_view(api_root_dict=api_root_dict)


router = PortalRouter()
# Suffix twins (`.json`, `.csv`) only for the settlement statements, downloaded as
# `WUJIN.csv` / `WUJIN.pdf`: a twin of every route doubled the patterns each API request is
# matched against, in order (`?format=` still chooses the renderer everywhere).
router.include_format_suffixes = False
regions_api.register(router)
vouchers_api.register(router)
providers_api.register(router)
redemption_api.register(router)
SUFFIXED_ROUTES = {"settlement-batch-statements"}
routes = router.urls + format_suffix_patterns(
    [route for route in router.urls if route.name in SUFFIXED_ROUTES], suffix_required=True
)

urlpatterns = [
    path("auth/token/", regions_api.ObtainTokenView.as_view(), name="api-token"),
    path("statistics/", StatisticsView.as_view(), name="api-statistics"),
    path("", include(routes)),
]
