"""API of providers, certificates, service offerings and service orders (../shared/API.md).

Reads go through the scoped selectors (outsiders get 404); every action parses its input,
calls one service and returns the object. Domain errors become 400/403/409 bodies in
portal.api.exception_handler, never here."""

from providers.api.assignments import ExpertAssignmentViewSet
from providers.api.catalogue import ServiceOfferingViewSet
from providers.api.certification import CertificateViewSet, ProviderViewSet
from providers.api.demands import DemandViewSet, ProposalViewSet
from providers.api.instruments import InstrumentBookingViewSet
from providers.api.libraries import ExpertViewSet, TechnologyManagerViewSet
from providers.api.notices import ProviderNoticeViewSet
from providers.api.orders import ServiceOrderViewSet
from providers.api.risk import RiskFlagViewSet


def register(router):
    """Add this app's viewsets to the API router."""
    # "api-" names keep the router's URL names apart from the pages' ("provider-detail").
    router.register("providers", ProviderViewSet, basename="api-provider")
    router.register("certificates", CertificateViewSet, basename="api-certificate")
    router.register("service-offerings", ServiceOfferingViewSet, basename="api-service-offering")
    router.register("service-orders", ServiceOrderViewSet, basename="api-service-order")
    router.register("demands", DemandViewSet, basename="api-demand")
    router.register("proposals", ProposalViewSet, basename="api-proposal")
    router.register("risk-flags", RiskFlagViewSet, basename="api-risk-flag")
    router.register("experts", ExpertViewSet, basename="api-expert")
    router.register(
        "technology-managers", TechnologyManagerViewSet, basename="api-technology-manager"
    )
    router.register("provider-notices", ProviderNoticeViewSet, basename="api-provider-notice")
    router.register("expert-assignments", ExpertAssignmentViewSet, basename="api-expert-assignment")
    router.register(
        r"instruments/(?P<instrument_pk>[0-9]+)/bookings",
        InstrumentBookingViewSet,
        basename="api-instrument-booking",
    )
