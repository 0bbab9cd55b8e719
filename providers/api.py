"""API of providers, certificates, service offerings and service orders (../shared/API.md).

Reads go through the scoped selectors (outsiders get 404); every action parses its input,
calls one service and returns the object. Domain errors become 400/403/409 bodies in
portal.api.exception_handler, never here."""

from zoneinfo import ZoneInfo

import django_filters
from django.conf import settings
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from portal.errors import NotAllowed
from portal.parsers import BoundedJSONParser
from providers import selectors, services
from providers.models import (
    EvidenceFile,
    Provider,
    ProviderCertificate,
    ServiceCategory,
    ServiceOffering,
    ServiceOrder,
)
from regions.files import private_file_response
from regions.models import Region

MONEY = {"max_digits": 14, "decimal_places": 2}


# --- providers -------------------------------------------------------------------------------


class ProviderSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    categories = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    certificate = serializers.SerializerMethodField()

    class Meta:
        model = Provider
        fields = [
            "id",
            "name",
            "name_zh",
            "credit_code",
            "region",
            "kind",
            "categories",
            "status",
            "certificate",
            "description",
            "contact_email",
            "contact_phone",
            "applied_at",
            "decided_at",
            "status_reason",
        ]
        read_only_fields = fields

    def get_certificate(self, provider) -> str | None:
        certificate = selectors.latest_certificate(provider)
        return certificate.serial if certificate else None


class ProviderApplySerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    name_zh = serializers.CharField(max_length=200, required=False, allow_blank=True)
    credit_code = serializers.CharField(max_length=32)
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    kind = serializers.ChoiceField(choices=Provider.Kind.choices)
    categories = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=ServiceCategory.objects.all()
    )
    description = serializers.CharField(required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    qualifications = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), required=False
    )


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True)


class ProviderFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(method="filter_region", help_text="District code")
    category = django_filters.CharFilter(method="filter_category", help_text="Category code")
    status = django_filters.ChoiceFilter(choices=Provider.Status.choices)
    search = django_filters.CharFilter(
        method="filter_search", help_text="Name, Chinese name, description, offering titles"
    )

    class Meta:
        model = Provider
        fields = ["region", "category", "status", "search"]

    def filter_region(self, queryset, name, value):
        return selectors.filter_providers(queryset, region=value)

    def filter_category(self, queryset, name, value):
        return selectors.filter_providers(queryset, category=value)

    def filter_search(self, queryset, name, value):
        return selectors.filter_providers(queryset, search=value)


class ProviderViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Certified providers for anyone; a provider user and its district's officials also see
    its other states, the operator every provider."""

    serializer_class = ProviderSerializer
    filterset_class = ProviderFilter
    ordering_fields = ["name", "applied_at", "id"]
    ordering = ["name", "id"]
    parser_classes = [BoundedJSONParser, MultiPartParser, FormParser]

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def get_queryset(self):
        return selectors.providers_visible_to(self.request.user).order_by("name", "id")

    @extend_schema(request=ProviderApplySerializer, responses={201: ProviderSerializer})
    def create(self, request, *args, **kwargs):
        """A provider user (without a provider yet) applies for certification."""
        if not request.user.is_provider:
            raise NotAllowed(_("Only a provider account can apply for certification."))
        data = ProviderApplySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        provider = services.provider_apply(actor=request.user, **data.validated_data)
        provider = selectors.providers_visible_to(request.user).get(pk=provider.pk)
        return Response(ProviderSerializer(provider).data, status=status.HTTP_201_CREATED)

    def _decidable(self, pk) -> Provider:
        user = self.request.user
        if not user.is_official:
            raise NotAllowed(_("Only a district official decides on providers."))
        return get_object_or_404(selectors.providers_decidable_by(user), pk=pk)

    def _decided(self, provider) -> Response:
        provider = selectors.providers_visible_to(self.request.user).get(pk=provider.pk)
        return Response(ProviderSerializer(provider).data)

    @extend_schema(request=None, responses=ProviderSerializer)
    @action(detail=True, methods=["post"])
    def certify(self, request, pk=None):
        """Certify (issue the certificate) or reinstate a suspended provider."""
        provider = self._decidable(pk)
        services.provider_certify(provider=provider, actor=request.user)
        return self._decided(provider)

    def _with_reason(self, request, pk, service) -> Response:
        provider = self._decidable(pk)
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        service(provider=provider, reason=data.validated_data.get("reason", ""), actor=request.user)
        return self._decided(provider)

    @extend_schema(request=ReasonSerializer, responses=ProviderSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._with_reason(request, pk, services.provider_reject)

    @extend_schema(request=ReasonSerializer, responses=ProviderSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request, pk=None):
        return self._with_reason(request, pk, services.provider_suspend)

    @extend_schema(request=ReasonSerializer, responses=ProviderSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        return self._with_reason(request, pk, services.provider_revoke)


# --- certificates ------------------------------------------------------------------------------


class CertificateSerializer(serializers.Serializer):
    serial = serializers.CharField()
    kind = serializers.CharField(help_text="provider or voucher")
    holder = serializers.CharField()
    region = serializers.CharField()
    issued_at = serializers.DateTimeField()
    valid_until = serializers.DateField()
    status = serializers.CharField()


class CertificateViewSet(viewsets.GenericViewSet):
    """Public verification of a provider certificate or a voucher by its serial."""

    permission_classes = [permissions.AllowAny]
    serializer_class = CertificateSerializer
    lookup_field = "serial"
    lookup_value_regex = "[^/]+"
    filter_backends = []
    pagination_class = None
    queryset = ProviderCertificate.objects.none()

    @extend_schema(responses=CertificateSerializer)
    def retrieve(self, request, serial=None):
        from vouchers.models import Voucher

        serial = (serial or "").strip().upper()
        certificate = (
            ProviderCertificate.objects.select_related("provider", "provider__region")
            .filter(serial=serial)
            .first()
        )
        if certificate is not None:
            body = {
                "serial": certificate.serial,
                "kind": "provider",
                "holder": certificate.provider.name,
                "region": certificate.provider.region.code,
                "issued_at": certificate.issued_at,
                "valid_until": certificate.valid_until,
                "status": certificate.status,
            }
            return Response(CertificateSerializer(body).data)
        voucher = (
            Voucher.objects.select_related("enterprise", "issuing_region")
            .filter(serial=serial)
            .first()
        )
        if voucher is not None:
            body = {
                "serial": voucher.serial,
                "kind": "voucher",
                "holder": voucher.enterprise.name,
                "region": voucher.issuing_region.code,
                "issued_at": voucher.issued_at,
                # A calendar date of the programme, in the programme's time zone.
                "valid_until": timezone.localtime(
                    voucher.expires_at, ZoneInfo(settings.TIME_ZONE)
                ).date(),
                "status": voucher.status,
            }
            return Response(CertificateSerializer(body).data)
        raise NotFound(
            _("No provider certificate or voucher has the serial “%(serial)s”.")
            % {"serial": serial}
        )


# --- service offerings -------------------------------------------------------------------------


class ServiceOfferingSerializer(serializers.ModelSerializer):
    provider = serializers.PrimaryKeyRelatedField(read_only=True)
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=ServiceCategory.objects.all()
    )
    indicative_price = serializers.DecimalField(**MONEY, required=False, allow_null=True)

    class Meta:
        model = ServiceOffering
        fields = [
            "id",
            "provider",
            "category",
            "title",
            "description",
            "indicative_price",
            "lead_time_days",
            "is_instrument",
            "instrument_hours",
            "active",
        ]
        read_only_fields = ["id", "provider"]


class ServiceOfferingViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Active offerings of certified providers for anyone; a provider manages its own."""

    serializer_class = ServiceOfferingSerializer
    filterset_fields = ["provider", "is_instrument", "active"]
    ordering_fields = ["title", "indicative_price", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def get_queryset(self):
        return selectors.offerings_visible_to(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.offering_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.offering_update(
            offering=serializer.instance, actor=self.request.user, **serializer.validated_data
        )


# --- service orders ----------------------------------------------------------------------------


class EvidenceSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")
    url = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceFile
        fields = ["id", "name", "content_type", "size", "uploaded_at", "url"]

    def get_url(self, evidence) -> str:
        return f"/api/service-orders/{evidence.order_id}/evidence/{evidence.pk}/"


class ServiceOrderSerializer(serializers.ModelSerializer):
    voucher = serializers.SlugRelatedField(slug_field="serial", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    provider_name = serializers.CharField(source="provider.name", read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = ServiceOrder
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "provider",
            "provider_name",
            "voucher",
            "offering",
            "title",
            "description",
            "contract_amount",
            "status",
            "requested_at",
            "accepted_at",
            "completed_at",
            "confirmed_at",
            "cancelled_at",
            "completion_summary",
            "deliverables",
            "dispute_reason",
            "status_reason",
            "evidence",
        ]
        read_only_fields = fields


class OrderCreateSerializer(serializers.Serializer):
    provider = serializers.IntegerField(help_text="Provider id")
    voucher = serializers.CharField(help_text="Serial of one of your active vouchers")
    title = serializers.CharField(max_length=255)
    contract_amount = serializers.DecimalField(**MONEY)
    description = serializers.CharField(required=False, allow_blank=True)
    offering = serializers.IntegerField(required=False, allow_null=True)


class OrderCompleteSerializer(serializers.Serializer):
    summary = serializers.CharField(required=False, allow_blank=True)
    deliverables = serializers.CharField(required=False, allow_blank=True)
    evidence = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), required=False
    )


class ServiceOrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ServiceOrder.Status.choices)

    class Meta:
        model = ServiceOrder
        fields = ["status", "provider", "enterprise"]


class ServiceOrderViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Orders of the two parties; officials see their district's, the operator all."""

    serializer_class = ServiceOrderSerializer
    filterset_class = ServiceOrderFilter
    ordering_fields = ["requested_at", "contract_amount", "id"]
    ordering = ["-requested_at", "-id"]
    parser_classes = [BoundedJSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return (
            selectors.orders_visible_to(self.request.user)
            .prefetch_related("evidence")
            .order_by("-requested_at", "-id")
        )

    def _respond(self, order, code=status.HTTP_200_OK) -> Response:
        order = self.get_queryset().get(pk=order.pk)
        return Response(ServiceOrderSerializer(order).data, status=code)

    @extend_schema(request=OrderCreateSerializer, responses={201: ServiceOrderSerializer})
    def create(self, request, *args, **kwargs):
        """An enterprise orders from a certified provider, naming one of its vouchers."""
        user = request.user
        if not (user.is_enterprise and user.enterprise_id):
            raise NotAllowed(_("Only an enterprise can order services."))
        data = OrderCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        provider = Provider.objects.filter(pk=values["provider"]).first()
        if provider is None:
            raise serializers.ValidationError({"provider": [_("No provider has this id.")]})
        voucher = selectors.enterprise_voucher(user, values["voucher"])
        if voucher is None:
            raise NotFound(_("You have no voucher with this serial."))
        offering = None
        if values.get("offering"):
            offering = ServiceOffering.objects.filter(pk=values["offering"]).first()
            if offering is None:
                raise serializers.ValidationError({"offering": [_("No service has this id.")]})
        order = services.order_create(
            actor=user,
            provider=provider,
            voucher=voucher,
            offering=offering,
            title=values["title"],
            description=values.get("description", ""),
            contract_amount=values["contract_amount"],
        )
        return self._respond(order, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ServiceOrderSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._respond(services.order_accept(order=self.get_object(), actor=request.user))

    def _with_reason(self, request, service) -> Response:
        order = self.get_object()
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reason = data.validated_data.get("reason", "")
        return self._respond(service(order=order, reason=reason, actor=request.user))

    @extend_schema(request=ReasonSerializer, responses=ServiceOrderSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        return self._with_reason(request, services.order_decline)

    @extend_schema(
        request={"multipart/form-data": OrderCompleteSerializer},
        responses=ServiceOrderSerializer,
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """The provider logs the finished service: `summary`, `deliverables` and one or more
        `evidence` files (multipart)."""
        order = self.get_object()
        data = OrderCompleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        order = services.order_complete(
            order=order,
            actor=request.user,
            summary=values.get("summary", ""),
            deliverables=values.get("deliverables", ""),
            evidence=values.get("evidence", []),
        )
        return self._respond(order)

    @extend_schema(request=None, responses=ServiceOrderSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._respond(services.order_confirm(order=self.get_object(), actor=request.user))

    @extend_schema(request=ReasonSerializer, responses=ServiceOrderSerializer)
    @action(detail=True, methods=["post"])
    def dispute(self, request, pk=None):
        return self._with_reason(request, services.order_dispute)

    @extend_schema(request=ReasonSerializer, responses=ServiceOrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._with_reason(request, services.order_cancel)

    @extend_schema(
        parameters=[OpenApiParameter("file_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY},
    )
    @action(detail=True, methods=["get"], url_path=r"evidence/(?P<file_id>[0-9]+)")
    def evidence(self, request, pk=None, file_id=None):
        """Download one evidence file: the two parties, both districts' officials, the operator."""
        order = self.get_object()
        evidence = order.evidence.filter(pk=file_id).first()
        if evidence is None:
            raise Http404
        return private_file_response(
            evidence.file, filename=evidence.original_name, content_type=evidence.content_type
        )


def register(router):
    """Add this app's viewsets to the API router."""
    # "api-" names keep the router's URL names apart from the pages' ("provider-detail").
    router.register("providers", ProviderViewSet, basename="api-provider")
    router.register("certificates", CertificateViewSet, basename="api-certificate")
    router.register("service-offerings", ServiceOfferingViewSet, basename="api-service-offering")
    router.register("service-orders", ServiceOrderViewSet, basename="api-service-order")
