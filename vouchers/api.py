"""API of the voucher story: enterprises, voucher applications and vouchers.

Reads go through the scoped selectors (outsiders get 404); every action parses its input,
calls one service and returns the object. Domain errors become 400/403/409 bodies in
`portal.api.exception_handler`.
"""

import django_filters
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.errors import NotAllowed, ValidationFailed
from portal.files import private_file_response
from providers.models import ServiceCategory
from regions.models import Region
from vouchers import permissions, selectors, services
from vouchers.models import Enterprise, Voucher, VoucherApplication

MONEY_FIELD = {"max_digits": 14, "decimal_places": 2}


# --- enterprises ------------------------------------------------------------------------


class EnterpriseSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    verified = serializers.BooleanField(source="is_verified", read_only=True)

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "name",
            "credit_code",
            "region",
            "industry",
            "size",
            "contact_name",
            "contact_phone",
            "contact_email",
            "registered_at",
            "verified",
            "verified_at",
        ]
        read_only_fields = fields


class EnterpriseCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    # Not limited to 18 here: the service says exactly what is wrong with a bad code.
    credit_code = serializers.CharField(max_length=64)
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    industry = serializers.CharField(max_length=100)
    size = serializers.ChoiceField(choices=Enterprise.Size.choices)
    contact_name = serializers.CharField(max_length=100)
    contact_phone = serializers.CharField(max_length=32, required=False, allow_blank=True)
    contact_email = serializers.EmailField()


class EnterpriseFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code")
    verified = django_filters.BooleanFilter(
        field_name="verified_at", exclude=True, lookup_expr="isnull"
    )

    class Meta:
        model = Enterprise
        fields = ["region", "verified"]


@extend_schema_view(
    list=extend_schema(summary="Enterprises you may see"),
    retrieve=extend_schema(summary="One enterprise"),
)
class EnterpriseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """An enterprise user sees its own enterprise, an official those of its district, the
    operator all of them."""

    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilter
    ordering_fields = ["name", "registered_at", "id"]
    ordering = ["name", "id"]

    def get_queryset(self):
        return selectors.enterprises_visible_to(self.request.user)

    @extend_schema(
        summary="Register an enterprise",
        request=EnterpriseCreateInputSerializer,
        responses={201: EnterpriseSerializer},
    )
    def create(self, request):
        data = EnterpriseCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enterprise = services.enterprise_create(actor=request.user, **data.validated_data)
        return Response(EnterpriseSerializer(enterprise).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Verify the enterprise (an official of its district)", request=None)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        enterprise = services.enterprise_verify(enterprise=self.get_object(), actor=request.user)
        return Response(EnterpriseSerializer(enterprise).data)


# --- applications -----------------------------------------------------------------------


class ApplicationSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    service_category = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    voucher = serializers.SerializerMethodField()

    class Meta:
        model = VoucherApplication
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "region",
            "year",
            "requested_amount",
            "approved_amount",
            "purpose",
            "service_category",
            "status",
            "voucher",
            "submitted_at",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields

    def get_voucher(self, application) -> str | None:
        try:
            return application.voucher.serial
        except ObjectDoesNotExist:
            return None


class ApplicationCreateInputSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(required=False, help_text="Defaults to your own")
    requested_amount = serializers.DecimalField(**MONEY_FIELD)
    purpose = serializers.CharField()
    service_category = serializers.SlugRelatedField(
        slug_field="code",
        queryset=ServiceCategory.objects.all(),
        required=False,
        allow_null=True,
    )
    attachments = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="multipart only"
    )


class ApplicationApproveInputSerializer(serializers.Serializer):
    approved_amount = serializers.DecimalField(
        **MONEY_FIELD, required=False, allow_null=True, help_text="Defaults to the requested amount"
    )
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ApplicationRejectInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ApplicationFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code")
    status = django_filters.ChoiceFilter(choices=VoucherApplication.Status.choices)

    class Meta:
        model = VoucherApplication
        fields = ["status", "region", "enterprise", "year"]


class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Voucher applications: enterprises apply; officials of the district decide."""

    serializer_class = ApplicationSerializer
    filterset_class = ApplicationFilter
    ordering_fields = ["submitted_at", "requested_amount", "id", "decided_at"]
    ordering = ["-submitted_at", "-id"]

    def get_queryset(self):
        return selectors.applications_visible_to(self.request.user)

    @extend_schema(
        summary="Apply for a voucher (an enterprise user)",
        request={
            "application/json": ApplicationCreateInputSerializer,
            "multipart/form-data": ApplicationCreateInputSerializer,
        },
        responses={201: ApplicationSerializer},
    )
    def create(self, request):
        if not request.user.is_enterprise:
            raise NotAllowed(_("Only enterprise users apply for vouchers."))
        data = ApplicationCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enterprise_id = data.validated_data.get("enterprise") or request.user.enterprise_id
        enterprise = selectors.enterprises_visible_to(request.user).filter(pk=enterprise_id).first()
        if enterprise is None:
            raise ValidationFailed(_("No such enterprise of yours."), field="enterprise")
        application = services.application_submit(
            enterprise=enterprise,
            requested_amount=data.validated_data["requested_amount"],
            purpose=data.validated_data["purpose"],
            service_category=data.validated_data.get("service_category"),
            attachments=request.FILES.getlist("attachments"),
            actor=request.user,
        )
        application = self.get_queryset().get(pk=application.pk)
        return Response(ApplicationSerializer(application).data, status=status.HTTP_201_CREATED)

    def _respond(self, pk):
        return Response(ApplicationSerializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(
        summary="Approve and issue the voucher (an official of the district)",
        request=ApplicationApproveInputSerializer,
        responses={200: ApplicationSerializer},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        application = self.get_object()
        data = ApplicationApproveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.application_approve(
            application=application,
            actor=request.user,
            approved_amount=data.validated_data.get("approved_amount"),
            note=data.validated_data["note"],
        )
        return self._respond(application.pk)

    @extend_schema(
        summary="Reject (an official of the district; `note` is required)",
        request=ApplicationRejectInputSerializer,
        responses={200: ApplicationSerializer},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        application = self.get_object()
        data = ApplicationRejectInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.application_reject(
            application=application, actor=request.user, note=data.validated_data["note"]
        )
        return self._respond(application.pk)

    @extend_schema(
        summary="Withdraw an undecided application (the applicant)",
        request=None,
        responses={200: ApplicationSerializer},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        application = self.get_object()
        services.application_withdraw(application=application, actor=request.user)
        return self._respond(application.pk)


# --- vouchers ---------------------------------------------------------------------------


class VoucherSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
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


class VoucherRevokeInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class VoucherFilter(django_filters.FilterSet):
    issuing_region = django_filters.CharFilter(method="filter_issuing_region")
    status = django_filters.ChoiceFilter(choices=Voucher.Status.choices)
    enterprise = django_filters.NumberFilter(field_name="enterprise_id")

    class Meta:
        model = Voucher
        fields = ["issuing_region", "status", "enterprise", "year"]

    def filter_issuing_region(self, queryset, name, value):
        # A subquery on the region's id keeps the count query free of joins and lets it use
        # voucher_region_status_idx.
        return queryset.filter(issuing_region__in=Region.objects.filter(code=value.upper()))


class PDFRenderer(renderers.BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class VoucherViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Issued vouchers: the holder enterprise, the issuing district's officials, the operator."""

    serializer_class = VoucherSerializer
    filterset_class = VoucherFilter
    lookup_field = "serial"
    lookup_value_regex = "[A-Za-z0-9-]+"
    ordering_fields = ["id", "issued_at", "expires_at", "face_value", "balance"]
    # Newest first by id: the same order as issue, and what the region/status index serves.
    ordering = ["-id"]

    def get_queryset(self):
        return selectors.vouchers_visible_to(self.request.user)

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
        renderer_classes=[renderers.JSONRenderer, PDFRenderer],
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


def register(router):
    """Add this app's viewsets to the API router."""
    router.register("enterprises", EnterpriseViewSet, basename="enterprise")
    router.register("voucher-applications", ApplicationViewSet, basename="voucher-application")
    router.register("vouchers", VoucherViewSet, basename="voucher")
