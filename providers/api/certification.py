"""Providers and certification: the provider list and profile, applying, the officials'
decisions, and the public verification of a certificate (or a voucher) by its serial."""

from zoneinfo import ZoneInfo

import django_filters
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser
from rest_framework.response import Response

from portal.api import CodeField, ModelSerializer, TextField, created
from portal.codes import typed_serial
from portal.errors import NotAllowed
from portal.filters import ApiFilterSet
from portal.lean import LeanListMixin
from portal.parsers import BoundedJSONParser, StrictMultiPartParser
from portal.throttling import AnonThrottle, SerialCheckThrottle, UserThrottle
from providers import selectors, services
from providers.api.inputs import ReasonSerializer
from providers.models import Provider, ProviderCertificate, ServiceCategory
from providers.permissions import can_read_private_details
from regions.models import Region

PRIVATE_FIELDS = ("contact_phone", "legal_representative", "registered_address")
PRIVATE_HELP = "Shown to officials, the operator and the provider itself; null for others."


class ProviderSerializer(ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    categories = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    certificate = serializers.SerializerMethodField()
    # The provider's private details: the page shows them only to officials, the operator
    # and the provider itself, and so does the API (null for everyone else).
    contact_phone = TextField(read_only=True, allow_null=True, help_text=PRIVATE_HELP)
    legal_representative = TextField(read_only=True, allow_null=True, help_text=PRIVATE_HELP)
    registered_address = TextField(read_only=True, allow_null=True, help_text=PRIVATE_HELP)

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
            "legal_representative",
            "registered_address",
            "applied_at",
            "decided_at",
            "status_reason",
        ]
        read_only_fields = fields

    def to_representation(self, provider):
        data = super().to_representation(provider)
        request = self.context.get("request")
        if request is not None and not can_read_private_details(request.user, provider.pk):
            for name in PRIVATE_FIELDS:
                data[name] = None
        return data

    def get_certificate(self, provider) -> str | None:
        certificate = selectors.latest_certificate(provider)
        return certificate.serial if certificate else None


class ProviderApplySerializer(serializers.Serializer):
    name = TextField(max_length=200)
    name_zh = TextField(max_length=200, required=False, allow_blank=True)
    credit_code = TextField(max_length=32)
    region = CodeField(queryset=Region.objects.all())
    kind = serializers.ChoiceField(choices=Provider.Kind.choices)
    categories = CodeField(many=True, queryset=ServiceCategory.objects.all())
    description = TextField(required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False, allow_blank=True)
    contact_phone = TextField(max_length=32, required=False, allow_blank=True)
    qualifications = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), required=False
    )


class ProviderFilter(ApiFilterSet):
    region = django_filters.CharFilter(method="filter_region", help_text="District code")
    category = django_filters.CharFilter(method="filter_category", help_text="Category code")
    status = django_filters.ChoiceFilter(choices=Provider.Status.choices)
    search = django_filters.CharFilter(
        method="filter_search",
        help_text="Words, each in the name, Chinese name, description or an offering",
    )
    # `q`, as the experts', managers' and demands' lists name their words.
    q = django_filters.CharFilter(method="filter_search", help_text="The same as `search`")

    class Meta:
        model = Provider
        fields = ["region", "category", "status", "search", "q"]

    def filter_region(self, queryset, name, value):
        return selectors.filter_providers(queryset, region=value)

    def filter_category(self, queryset, name, value):
        return selectors.filter_providers(queryset, category=value)

    def filter_search(self, queryset, name, value):
        return selectors.filter_providers(queryset, search=value)


class ProviderViewSet(LeanListMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Certified providers for anyone; a provider user and its district's officials also see
    its other states, the operator every provider."""

    serializer_class = ProviderSerializer
    # The list's rows from .values() (portal/lean.py), field for field the serializer's; the
    # categories and the certificate are added per page by lean_extend.
    list_values = {
        "id": "id",
        "name": "name",
        "name_zh": "name_zh",
        "credit_code": "credit_code",
        "region": "region__code",
        "kind": "kind",
        "status": "status",
        "description": "description",
        "contact_email": "contact_email",
        "contact_phone": "contact_phone",
        "legal_representative": "legal_representative",
        "registered_address": "registered_address",
        "applied_at": "applied_at",
        "decided_at": "decided_at",
        "status_reason": "status_reason",
    }
    filterset_class = ProviderFilter
    ordering_fields = ["name", "applied_at", "id"]
    ordering = ["name", "id"]
    parser_classes = [BoundedJSONParser, StrictMultiPartParser, FormParser]

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def get_queryset(self):
        return selectors.providers_visible_to(self.request.user).order_by("name", "id")

    def lean_extend(self, rows: list[dict]) -> None:
        """The page's category codes (in the categories' order) and each provider's newest
        certificate serial: one query each."""
        ids = [row["id"] for row in rows]
        categories, certificates = {}, {}
        links = Provider.categories.through.objects.filter(provider_id__in=ids).order_by(
            "servicecategory_id"
        )
        for provider_id, code in links.values_list("provider_id", "servicecategory__code"):
            categories.setdefault(provider_id, []).append(code)
        newest_first = ProviderCertificate.objects.filter(provider_id__in=ids).order_by(
            "-issued_at", "-id"
        )
        for provider_id, serial in newest_first.values_list("provider_id", "serial"):
            certificates.setdefault(provider_id, serial)
        user = self.request.user
        for row in rows:
            row["categories"] = categories.get(row["id"], [])
            row["certificate"] = certificates.get(row["id"])
            if not can_read_private_details(user, row["id"]):
                for name in PRIVATE_FIELDS:
                    row[name] = None

    @extend_schema(request=ProviderApplySerializer, responses={201: ProviderSerializer})
    def create(self, request, *args, **kwargs):
        """A provider user (without a provider yet) applies for certification."""
        if not request.user.is_provider:
            raise NotAllowed(_("Only a provider account can apply for certification."))
        data = ProviderApplySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        provider = services.provider_apply(actor=request.user, **data.validated_data)
        provider = selectors.providers_visible_to(request.user).get(pk=provider.pk)
        return created(request, ProviderSerializer(provider).data)

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


# --- certificates ---------------------------------------------------------------------------


class CertificateSerializer(serializers.Serializer):
    serial = TextField()
    kind = TextField(help_text="provider or voucher")
    holder = TextField(
        help_text="A voucher's holder is masked (常州****公司) except to providers, officials, "
        "the operator and the holder itself"
    )
    region = TextField()
    issued_at = serializers.DateTimeField()
    valid_until = serializers.DateField()
    status = TextField()


class CertificateViewSet(viewsets.GenericViewSet):
    """Public verification of a provider certificate or a voucher by its serial."""

    permission_classes = [permissions.AllowAny]
    # Serials are sequential: the page's allowance per client, shared with the page.
    throttle_classes = [AnonThrottle, UserThrottle, SerialCheckThrottle]
    serializer_class = CertificateSerializer
    lookup_field = "serial"
    lookup_value_regex = "[^/]+"
    filter_backends = []
    pagination_class = None
    queryset = ProviderCertificate.objects.none()

    @extend_schema(responses=CertificateSerializer)
    def retrieve(self, request, serial=None):
        from vouchers.models import Voucher
        from vouchers.permissions import can_read_voucher_holder, masked_holder

        serial = typed_serial(serial or "").upper()
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
                "holder": voucher.enterprise.name
                if can_read_voucher_holder(request.user, voucher)
                else masked_holder(voucher.enterprise.display_name),
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
