"""API of issued vouchers: read, revoke, download the certificate."""

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, renderers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.api import ModelSerializer, TextField
from portal.errors import NotAllowed
from portal.files import private_file_response
from portal.filters import ApiFilterSet, IdFilter
from portal.lean import LeanListMixin
from portal.renderers import PortalJSONRenderer
from regions.selectors import region_id_for_code
from vouchers import permissions, selectors, services
from vouchers.models import Voucher


class VoucherSerializer(ModelSerializer):
    enterprise_name = TextField(source="enterprise.name", read_only=True)
    issuing_region = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Voucher
        fields = [
            "serial",
            "enterprise",
            "enterprise_name",
            "issuing_region",
            "year",
            "face_value",
            "balance",
            "held",
            "redeemed",
            "released",
            "cross_region",
            "status",
            "status_reason",
            "issued_at",
            "expires_at",
        ]
        read_only_fields = fields


class VoucherTermsSerializer(serializers.Serializer):
    """What the voucher pays for, from the rules that govern it (fixed when it was issued)."""

    co_funding_ratio = serializers.DecimalField(max_digits=4, decimal_places=3)
    eligible_categories = serializers.ListField(
        child=TextField(),
        help_text="Service category codes; empty: every category is eligible.",
    )
    rules_version = serializers.IntegerField(allow_null=True)
    in_force_from = serializers.DateField(
        allow_null=True,
        help_text="The rules version's date; null for a voucher of its district-year's rules.",
    )


class VoucherDetailSerializer(VoucherSerializer):
    terms = serializers.SerializerMethodField()

    class Meta(VoucherSerializer.Meta):
        fields = [*VoucherSerializer.Meta.fields, "terms"]
        read_only_fields = fields

    @extend_schema_field(VoucherTermsSerializer(allow_null=True))
    def get_terms(self, voucher):
        terms = selectors.voucher_terms(voucher)
        if terms is None:
            return None
        return VoucherTermsSerializer(
            {
                "co_funding_ratio": terms.co_funding_ratio,
                "eligible_categories": [c.code for c in terms.eligible_categories],
                "rules_version": terms.rules_version_id,
                "in_force_from": terms.in_force_from,
            }
        ).data


class VoucherRevokeInputSerializer(serializers.Serializer):
    reason = TextField(required=False, allow_blank=True, default="", max_length=2000)


class VoucherFilter(ApiFilterSet):
    issuing_region = django_filters.CharFilter(method="filter_issuing_region")
    status = django_filters.ChoiceFilter(choices=Voucher.Status.choices)
    enterprise = IdFilter(field_name="enterprise_id")

    class Meta:
        model = Voucher
        fields = ["issuing_region", "status", "enterprise", "year"]

    def filter_issuing_region(self, queryset, name, value):
        # The district's id keeps the count query free of joins and lets it use
        # voucher_region_status_idx; an unknown code lists nothing.
        region_id = region_id_for_code(value)
        if region_id is None:
            return queryset.none()
        return queryset.filter(issuing_region_id=region_id)


class PDFRenderer(renderers.BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class VoucherViewSet(
    LeanListMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Issued vouchers: the holder enterprise, the issuing district's officials, the operator."""

    serializer_class = VoucherSerializer
    # The list's rows from .values() (portal/lean.py), field for field VoucherSerializer's.
    list_values = {
        "serial": "serial",
        "enterprise": "enterprise_id",
        "enterprise_name": "enterprise__name",
        "issuing_region": "issuing_region__code",
        "year": "year",
        "face_value": "face_value",
        "balance": "balance",
        "held": "held",
        "redeemed": "redeemed",
        "released": "released",
        "cross_region": "cross_region",
        "status": "status",
        "status_reason": "status_reason",
        "issued_at": "issued_at",
        "expires_at": "expires_at",
    }
    filterset_class = VoucherFilter
    lookup_field = "serial"
    lookup_value_regex = "[A-Za-z0-9-]+"
    ordering_fields = ["id", "issued_at", "expires_at", "face_value", "balance"]
    # Newest first by id: the same order as issue, and what the region/status index serves.
    ordering = ["-id"]

    def get_queryset(self):
        return selectors.vouchers_visible_to(self.request.user)

    def get_serializer_class(self):
        # One voucher's page also says what it pays for (its rules); the list stays lean.
        if self.action == "retrieve":
            return VoucherDetailSerializer
        return VoucherSerializer

    @extend_schema(
        summary="Revoke (an official of the issuing district; `reason` is required)",
        request=VoucherRevokeInputSerializer,
        responses={200: VoucherSerializer},
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, serial=None):
        voucher = self.get_object()
        data = VoucherRevokeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        voucher = services.voucher_revoke(
            voucher=voucher, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(VoucherSerializer(self.get_queryset().get(pk=voucher.pk)).data)

    @extend_schema(
        summary="The voucher's certificate (PDF)",
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[PortalJSONRenderer, PDFRenderer],
    )
    def certificate(self, request, serial=None):
        voucher = self.get_object()
        if not permissions.can_download_certificate(request.user, voucher):
            raise NotAllowed(_("You may not download this certificate."))
        if not voucher.certificate_pdf:
            voucher = services.voucher_certificate_generate(voucher_id=voucher.pk)
        return private_file_response(
            voucher.certificate_pdf,
            filename=f"voucher-{voucher.serial}.pdf",
            content_type="application/pdf",
        )
