"""API of voucher applications: enterprises apply and withdraw; officials of the district
approve (stating the amount) or reject."""

import django_filters
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from portal.api import CodeField, ModelSerializer, TextField, created, represent
from portal.errors import NotAllowed, ValidationFailed
from portal.filters import ApiFilterSet
from portal.lean import LeanListMixin
from portal.money import MoneyField
from providers.models import ServiceCategory
from vouchers import permissions, selectors, services
from vouchers.models import VoucherApplication


class ApplicationSerializer(ModelSerializer):
    enterprise_name = TextField(source="enterprise.name", read_only=True)
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    service_category = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    voucher = serializers.SerializerMethodField()
    # Four eyes: who gave the first of two approvals and when. Set from that approval on:
    # while the application waits for a second official (status still `submitted`) and after.
    # Null below the district's threshold.
    first_approved_by = TextField(
        source="first_approved_by.username", read_only=True, allow_null=True
    )

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
            "first_approved_by",
            "first_approved_at",
            # Four eyes: the amount the first official approved, which the second must
            # approve exactly (else 409 `amount_differs`); `approved_amount` is null till then.
            "first_approved_amount",
        ]
        read_only_fields = fields

    def get_voucher(self, application) -> str | None:
        try:
            return application.voucher.serial
        except ObjectDoesNotExist:
            return None


class ApplicationCreateInputSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(required=False, help_text="Defaults to your own")
    requested_amount = MoneyField()
    purpose = TextField(max_length=VoucherApplication.PURPOSE_MAX_LENGTH)
    service_category = CodeField(
        queryset=ServiceCategory.objects.all(),
        required=False,
        allow_null=True,
    )
    attachments = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="multipart only"
    )


class ApplicationApproveInputSerializer(serializers.Serializer):
    approved_amount = MoneyField(
        help_text='CNY as a decimal string, e.g. "150000.00"; at most the requested amount. '
        "Required: send the requested amount to approve it in full.",
    )
    note = TextField(required=False, allow_blank=True, default="", max_length=2000)


class AwaitingSecondApprovalSerializer(serializers.Serializer):
    """A first approval at or above the four-eyes threshold: another official must approve."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["awaiting_second_approval"])
    first_approved_by = TextField(source="first_approved_by.username")
    first_approved_at = serializers.DateTimeField()


def awaiting_second_approval(row) -> Response:
    body = AwaitingSecondApprovalSerializer(row).data
    body["status"] = "awaiting_second_approval"
    return Response(body, status=status.HTTP_202_ACCEPTED)


class ApplicationRejectInputSerializer(serializers.Serializer):
    note = TextField(required=False, allow_blank=True, default="", max_length=2000)


class ApplicationFilter(ApiFilterSet):
    region = django_filters.CharFilter(field_name="region__code")
    status = django_filters.ChoiceFilter(choices=VoucherApplication.Status.choices)

    class Meta:
        model = VoucherApplication
        fields = ["status", "region", "enterprise", "year"]


class ApplicationViewSet(
    LeanListMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Voucher applications: enterprises apply; officials of the district decide."""

    serializer_class = ApplicationSerializer
    # The list's rows from .values() (portal/lean.py), field for field the serializer's.
    list_values = {
        "id": "id",
        "enterprise": "enterprise_id",
        "enterprise_name": "enterprise__name",
        "region": "region__code",
        "year": "year",
        "requested_amount": "requested_amount",
        "approved_amount": "approved_amount",
        "purpose": "purpose",
        "service_category": "service_category__code",
        "status": "status",
        "voucher": "voucher__serial",
        "submitted_at": "submitted_at",
        "decided_at": "decided_at",
        "decision_note": "decision_note",
        "first_approved_by": "first_approved_by__username",
        "first_approved_at": "first_approved_at",
        "first_approved_amount": "first_approved_amount",
    }
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
        # The rows the service wrote carry the answer (enterprise, district, category): no
        # re-read of the six-table join.
        return created(request, represent(ApplicationSerializer, application))

    def _decided(self, pk) -> VoucherApplication:
        """The application a decision is asked on, if the reader sees it: the row alone.

        Not `get_object()`: that runs the list's filter set and ordering and joins the six
        tables the answer shows, which the decision's service reads again under its lock
        (about a tenth of an approval's CPU)."""
        return get_object_or_404(self.get_queryset().select_related(None), pk=pk)

    def _respond(self, pk):
        return Response(ApplicationSerializer(self.get_queryset().get(pk=pk)).data)

    @extend_schema(
        summary="Approve and issue the voucher (an official of the district)",
        request=ApplicationApproveInputSerializer,
        responses={200: ApplicationSerializer, 202: AwaitingSecondApprovalSerializer},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        # The role first: a provider or an enterprise posting here gets 403 whatever the
        # application or body (a provider, who sees no application, was answered 404).
        if not request.user.is_official:
            raise NotAllowed(_("Only an official of the enterprise's district may decide."))
        application = self._decided(pk)
        if not permissions.can_decide_application(request.user, application):
            raise NotAllowed(_("Only an official of the enterprise's district may decide."))
        data = ApplicationApproveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        voucher = services.application_approve(
            application=application,
            actor=request.user,
            approved_amount=data.validated_data["approved_amount"],
            note=data.validated_data["note"],
        )
        if voucher is None:  # four eyes: the first of two approvals
            return awaiting_second_approval(self.get_queryset().get(pk=application.pk))
        # The rows the approval wrote carry the answer (the application locked with its
        # enterprise and district, now with its voucher): no re-read of the six-table join.
        return Response(represent(ApplicationSerializer, voucher.application))

    @extend_schema(
        summary="Reject (an official of the district; `note` is required)",
        request=ApplicationRejectInputSerializer,
        responses={200: ApplicationSerializer},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        if not request.user.is_official:
            raise NotAllowed(_("Only an official of the enterprise's district may decide."))
        application = self._decided(pk)
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
        application = self._decided(pk)
        services.application_withdraw(application=application, actor=request.user)
        return self._respond(application.pk)
