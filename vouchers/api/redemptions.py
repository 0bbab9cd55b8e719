"""API of redemptions: providers claim, issuing officials approve or reject, the provider's
home district records the payment. Thin: parse, call one service, render."""

from decimal import Decimal

import django_filters
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.api import ModelSerializer, TextField, created, represent
from portal.errors import NotAllowed
from portal.filters import ApiFilterSet, IdFilter, StrictBooleanFilter
from portal.lean import LeanListMixin
from portal.money import MoneyField
from vouchers import selectors, services
from vouchers.api.applications import AwaitingSecondApprovalSerializer, awaiting_second_approval
from vouchers.models import Redemption
from vouchers.services.payments import CLAIMS_PER_TRANSFER_MAX


class RedemptionSerializer(ModelSerializer):
    voucher = TextField(source="voucher.serial", read_only=True)
    issuing_region = TextField(source="issuing_region.code", read_only=True)
    provider_region = TextField(source="provider_region.code", read_only=True)
    provider = serializers.IntegerField(source="provider_id", read_only=True)
    service_order = serializers.IntegerField(source="service_order_id", read_only=True)
    settlement_batch = serializers.IntegerField(
        source="settlement_batch_id", read_only=True, allow_null=True
    )
    # Four eyes: who gave the first of two approvals and when. Set from that approval on:
    # while the claim waits for a second official (status still `pending`) and after.
    # Null below the district's threshold.
    first_approved_by = TextField(
        source="first_approved_by.username", read_only=True, allow_null=True
    )

    class Meta:
        model = Redemption
        fields = [
            "id",
            "service_order",
            "voucher",
            "provider",
            "amount",
            "issuing_region",
            "provider_region",
            "cross_region",
            "status",
            "claimed_at",
            "decided_at",
            "decision_note",
            "paid_at",
            "payment_reference",
            "settlement_batch",
            "first_approved_by",
            "first_approved_at",
        ]
        read_only_fields = fields


class ClaimInputSerializer(serializers.Serializer):
    service_order = serializers.IntegerField(min_value=1)
    # Parsed by the service, so "abc", "0", "-5" and "1.234" get the same 400 as in the page.
    amount = MoneyField()


class NoteInputSerializer(serializers.Serializer):
    note = TextField(required=False, allow_blank=True, max_length=2000, default="")


class RejectInputSerializer(serializers.Serializer):
    note = TextField(allow_blank=True, max_length=2000)


class PaidInputSerializer(serializers.Serializer):
    payment_reference = TextField(allow_blank=True, max_length=100)


class ProviderTransferInputSerializer(serializers.Serializer):
    redemptions = serializers.ListField(
        child=serializers.IntegerField(min_value=1), max_length=CLAIMS_PER_TRANSFER_MAX
    )
    payment_reference = TextField(allow_blank=True, max_length=100)


class ProviderTransferSerializer(serializers.Serializer):
    payment_reference = TextField()
    provider = serializers.IntegerField()
    count = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    redemptions = RedemptionSerializer(many=True)
    # Other claims of the district paid under the same reference: the same transfer may have
    # been recorded twice.
    reference_recorded_before = serializers.ListField(child=serializers.IntegerField())


class RedemptionFilter(ApiFilterSet):
    status = django_filters.ChoiceFilter(choices=Redemption.Status.choices)
    issuing_region = django_filters.CharFilter(field_name="issuing_region__code")
    provider_region = django_filters.CharFilter(field_name="provider_region__code")
    cross_region = StrictBooleanFilter()
    provider = IdFilter(field_name="provider_id")
    # One settlement batch's redemptions (its statements list them; the API had no way to).
    settlement_batch = IdFilter(field_name="settlement_item__batch_id")
    # In a settlement batch or not yet: `settled=false&cross_region=true&status=approved` is
    # what the next batch would take (with `paid`).
    settled = StrictBooleanFilter(method="filter_settled")

    class Meta:
        model = Redemption
        fields = [
            "status",
            "issuing_region",
            "provider_region",
            "cross_region",
            "provider",
            "settlement_batch",
            "settled",
        ]

    def filter_settled(self, queryset, name, value):
        return queryset.filter(settlement_item__isnull=not value)


class RedemptionViewSet(
    LeanListMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Redemptions in the caller's scope (provider: its own; official: its district issued
    the voucher or pays the provider; enterprise: on its vouchers; operator: all)."""

    serializer_class = RedemptionSerializer
    # The list's rows from .values() (portal/lean.py), field for field the serializer's.
    list_values = {
        "id": "id",
        "service_order": "service_order_id",
        "voucher": "voucher__serial",
        "provider": "provider_id",
        "amount": "amount",
        "issuing_region": "issuing_region__code",
        "provider_region": "provider_region__code",
        "cross_region": "cross_region",
        "status": "status",
        "claimed_at": "claimed_at",
        "decided_at": "decided_at",
        "decision_note": "decision_note",
        "paid_at": "paid_at",
        "payment_reference": "payment_reference",
        "settlement_batch": "settlement_item__batch_id",
        "first_approved_by": "first_approved_by__username",
        "first_approved_at": "first_approved_at",
    }
    filterset_class = RedemptionFilter
    ordering_fields = ["claimed_at", "decided_at", "amount", "id"]
    ordering = ["-claimed_at", "-id"]

    def get_queryset(self):
        return selectors.redemptions_visible_to(self.request.user).order_by("-claimed_at", "-id")

    def _render(self, redemption, code=status.HTTP_200_OK):
        fresh = self.get_queryset().filter(pk=redemption.pk).first() or redemption
        return Response(represent(RedemptionSerializer, fresh), status=code)

    def _visible(self, pk) -> int:
        if not str(pk).isdigit() or not self.get_queryset().filter(pk=pk).exists():
            raise Http404
        return int(pk)

    @extend_schema(request=ClaimInputSerializer, responses={201: RedemptionSerializer})
    def create(self, request):
        """The provider claims `amount` on its confirmed service order (held on the voucher)."""
        if not request.user.is_provider:
            raise NotAllowed(_("Only a service provider claims a redemption."))
        data = ClaimInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        redemption = services.redemption_claim(
            service_order_id=data.validated_data["service_order"],
            amount=data.validated_data["amount"],
            actor=request.user,
        )
        # The service's rows carry all the answer shows (voucher, both districts): no re-read.
        return created(request, represent(RedemptionSerializer, redemption))

    @extend_schema(
        request=NoteInputSerializer,
        responses={200: RedemptionSerializer, 202: AwaitingSecondApprovalSerializer},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """The issuing district's official approves: the held amount is spent."""
        if not request.user.is_official:
            raise NotAllowed(_("Only a district official decides on redemptions."))
        data = NoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        redemption = services.redemption_approve(
            redemption_id=self._visible(pk), actor=request.user, note=data.validated_data["note"]
        )
        if redemption.status == Redemption.Status.PENDING:  # four eyes: the first of two
            return awaiting_second_approval(redemption)
        return self._render(redemption)

    @extend_schema(request=RejectInputSerializer, responses=RedemptionSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """The issuing district's official rejects with a reason: the hold is released."""
        if not request.user.is_official:
            raise NotAllowed(_("Only a district official decides on redemptions."))
        data = RejectInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        redemption = services.redemption_reject(
            redemption_id=self._visible(pk), actor=request.user, note=data.validated_data["note"]
        )
        return self._render(redemption)

    @extend_schema(request=PaidInputSerializer, responses=RedemptionSerializer)
    @action(detail=True, methods=["post"], url_path="mark-paid")
    def mark_paid(self, request, pk=None):
        """The provider's home district records its payment to the provider."""
        if not request.user.is_official:
            raise NotAllowed(_("Only a district official records payments."))
        data = PaidInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        redemption = services.redemption_mark_paid(
            redemption_id=self._visible(pk),
            payment_reference=data.validated_data["payment_reference"],
            actor=request.user,
        )
        return self._render(redemption)

    @extend_schema(
        operation_id="redemptions_mark_paid_together",
        request=ProviderTransferInputSerializer,
        responses=ProviderTransferSerializer,
    )
    @action(detail=False, methods=["post"], url_path="mark-paid")
    def mark_paid_together(self, request):
        """The provider's home district records one bank transfer that paid several approved
        claims of one provider: all of them become paid under its reference, or none does."""
        if not request.user.is_official:
            raise NotAllowed(_("Only a district official records payments."))
        data = ProviderTransferInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        paid = services.redemptions_mark_paid(
            redemption_ids=data.validated_data["redemptions"],
            payment_reference=data.validated_data["payment_reference"],
            actor=request.user,
        )
        fresh = list(self.get_queryset().filter(pk__in=[claim.pk for claim in paid]).order_by("pk"))
        return Response(
            ProviderTransferSerializer(
                {
                    "payment_reference": paid[0].payment_reference,
                    "provider": paid[0].provider_id,
                    "count": len(paid),
                    "total": sum((claim.amount for claim in paid), Decimal("0")),
                    "redemptions": fresh,
                    "reference_recorded_before": selectors.claims_paid_with_reference(
                        request.user, paid[0].payment_reference, besides=[c.pk for c in paid]
                    ),
                }
            ).data
        )


def register(router):
    """Add the redemption viewsets to the API router."""
    router.register("redemptions", RedemptionViewSet, basename="redemption")
