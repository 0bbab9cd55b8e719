"""The vouchers app's API: enterprises, applications and vouchers; redemptions (registered
separately, after the providers' routes, in portal/api_urls.py).

Reads go through the scoped selectors (outsiders get 404); every action parses its input,
calls one service and returns the object. Domain errors become 400/403/409 bodies in
`portal.api.exception_handler`.
"""

from vouchers.api.applications import ApplicationViewSet
from vouchers.api.enterprises import EnterpriseViewSet
from vouchers.api.related_parties import RelatedPartyViewSet
from vouchers.api.vouchers import VoucherViewSet


def register(router):
    """Add this app's viewsets to the API router."""
    router.register("enterprises", EnterpriseViewSet, basename="enterprise")
    router.register("voucher-applications", ApplicationViewSet, basename="voucher-application")
    router.register("vouchers", VoucherViewSet, basename="voucher")
    router.register("related-parties", RelatedPartyViewSet, basename="related-party")
