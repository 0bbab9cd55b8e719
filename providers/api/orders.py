"""Service orders: the two parties' orders, ordering, and each step of an order."""

import django_filters
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser
from rest_framework.response import Response

from portal.api import ModelSerializer, TextField, created, download_responses
from portal.errors import NotAllowed
from portal.files import EVIDENCE_KINDS, private_file_response
from portal.filters import ApiFilterSet
from portal.lean import LeanListMixin
from portal.money import MoneyField
from portal.parsers import BoundedJSONParser, StrictMultiPartParser
from providers import permissions, selectors, services
from providers.api.documents import DocumentSerializer, OrderPaperworkActions, OwnShareSerializer
from providers.api.inputs import ReasonSerializer, own_voucher
from providers.models import (
    EvidenceFile,
    OrderDocument,
    OwnSharePayment,
    ServiceOffering,
    ServiceOrder,
)


class DisputeDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=services.DisputeDecision.CHOICES)
    reason = TextField(max_length=2000)


class RatingSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    comment = TextField(required=False, allow_blank=True, max_length=2000)
    rated_at = serializers.DateTimeField(read_only=True)


class EvidenceSerializer(ModelSerializer):
    name = TextField(source="original_name")
    url = serializers.SerializerMethodField()

    class Meta:
        model = EvidenceFile
        fields = ["id", "name", "content_type", "size", "sha256", "uploaded_at", "url"]

    def get_url(self, evidence) -> str:
        return f"/api/service-orders/{evidence.order_id}/evidence/{evidence.pk}/"


class ServiceOrderSerializer(ModelSerializer):
    voucher = serializers.SlugRelatedField(slug_field="serial", read_only=True)
    enterprise_name = TextField(source="enterprise.name", read_only=True)
    provider_name = TextField(source="provider.name", read_only=True)
    evidence = EvidenceSerializer(many=True, read_only=True)
    documents = DocumentSerializer(many=True, read_only=True)
    own_share = serializers.SerializerMethodField()

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
            "documents",
            "own_share",
        ]
        read_only_fields = fields

    @extend_schema_field(OwnShareSerializer(allow_null=True))
    def get_own_share(self, order):
        payment = getattr(order, "own_share", None)
        return OwnShareSerializer(payment).data if payment is not None else None


class OrderCreateSerializer(serializers.Serializer):
    provider = serializers.IntegerField(help_text="Provider id")
    voucher = TextField(help_text="Serial of one of your active vouchers")
    title = TextField(max_length=255)
    contract_amount = MoneyField()
    description = TextField(
        required=False, allow_blank=True, max_length=ServiceOrder.TEXT_MAX_LENGTH
    )
    offering = serializers.IntegerField(required=False, allow_null=True)


class OrderCompleteSerializer(serializers.Serializer):
    summary = TextField(required=False, allow_blank=True, max_length=ServiceOrder.TEXT_MAX_LENGTH)
    deliverables = TextField(
        required=False, allow_blank=True, max_length=ServiceOrder.TEXT_MAX_LENGTH
    )
    evidence = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), required=False
    )


class ServiceOrderFilter(ApiFilterSet):
    status = django_filters.ChoiceFilter(choices=ServiceOrder.Status.choices)

    class Meta:
        model = ServiceOrder
        fields = ["status", "provider", "enterprise"]


class ServiceOrderViewSet(
    LeanListMixin, OrderPaperworkActions, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    """Orders of the two parties; officials see their district's, the operator all."""

    serializer_class = ServiceOrderSerializer
    # The list's rows from .values() (portal/lean.py), field for field the serializer's; the
    # evidence, documents and own share (a few per order) are added per page by lean_extend.
    list_values = {
        "id": "id",
        "enterprise": "enterprise_id",
        "enterprise_name": "enterprise__name",
        "provider": "provider_id",
        "provider_name": "provider__name",
        "voucher": "voucher__serial",
        "offering": "offering_id",
        "title": "title",
        "description": "description",
        "contract_amount": "contract_amount",
        "status": "status",
        "requested_at": "requested_at",
        "accepted_at": "accepted_at",
        "completed_at": "completed_at",
        "confirmed_at": "confirmed_at",
        "cancelled_at": "cancelled_at",
        "completion_summary": "completion_summary",
        "deliverables": "deliverables",
        "dispute_reason": "dispute_reason",
        "status_reason": "status_reason",
    }
    filterset_class = ServiceOrderFilter
    ordering_fields = ["requested_at", "contract_amount", "id"]
    ordering = ["-requested_at", "-id"]
    parser_classes = [BoundedJSONParser, StrictMultiPartParser, FormParser]

    def get_queryset(self):
        return (
            selectors.orders_visible_to(self.request.user)
            .select_related("own_share__recorded_by", "own_share__confirmed_by")
            .prefetch_related("evidence", "documents__uploaded_by")
            .order_by("-requested_at", "-id")
        )

    def lean_extend(self, rows: list[dict]) -> None:
        """The page's evidence, documents and own shares: one query each, serialised by the
        nested serializers (few rows: not where a list's time goes)."""
        ids = [row["id"] for row in rows]
        evidence, documents = {}, {}
        for item in EvidenceFile.objects.filter(order_id__in=ids):
            evidence.setdefault(item.order_id, []).append(item)
        for item in OrderDocument.objects.filter(service_order_id__in=ids).select_related(
            "uploaded_by"
        ):
            documents.setdefault(item.service_order_id, []).append(item)
        shares = {
            share.service_order_id: share
            for share in OwnSharePayment.objects.filter(service_order_id__in=ids).select_related(
                "recorded_by", "confirmed_by"
            )
        }
        for row in rows:
            order_id = row["id"]
            row["evidence"] = EvidenceSerializer(evidence.get(order_id, []), many=True).data
            row["documents"] = DocumentSerializer(documents.get(order_id, []), many=True).data
            share = shares.get(order_id)
            row["own_share"] = OwnShareSerializer(share).data if share is not None else None

    def _respond(self, order) -> Response:
        order = self.get_queryset().get(pk=order.pk)
        return Response(ServiceOrderSerializer(order).data)

    @extend_schema(request=OrderCreateSerializer, responses={201: ServiceOrderSerializer})
    def create(self, request, *args, **kwargs):
        """An enterprise orders from a certified provider, naming one of its vouchers."""
        user = request.user
        if not (user.is_enterprise and user.enterprise_id):
            raise NotAllowed(_("Only an enterprise can order services."))
        data = OrderCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        # Among the providers the enterprise may see: the refusal of another's ("not
        # certified (suspended)") listed suspended and applying providers to anyone.
        provider = selectors.providers_visible_to(user).filter(pk=values["provider"]).first()
        if provider is None:
            raise serializers.ValidationError({"provider": [_("No provider has this id.")]})
        voucher = own_voucher(user, values["voucher"])
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
        order = self.get_queryset().get(pk=order.pk)
        return created(request, ServiceOrderSerializer(order).data)

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

    @extend_schema(request=RatingSerializer, responses={201: RatingSerializer})
    @action(detail=True, methods=["post"])
    def rating(self, request, pk=None):
        """The enterprise rates the service (1-5, with a comment) once it confirmed delivery."""
        order = self.get_object()
        if not permissions.is_order_enterprise(request.user, order):
            raise NotAllowed(_("Only the enterprise that placed this order can do this."))
        data = RatingSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rating = services.order_rate(
            order=order,
            score=data.validated_data["score"],
            comment=data.validated_data.get("comment", ""),
            actor=request.user,
        )
        return Response(RatingSerializer(rating).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DisputeDecisionSerializer, responses=ServiceOrderSerializer)
    @action(detail=True, methods=["post"], url_path="resolve-dispute")
    def resolve_dispute(self, request, pk=None):
        """The official of the issuing district decides a disputed order: `uphold` sends it
        back to the provider to complete, `cancel` ends it; both need a `reason`."""
        order = self.get_object()
        data = DisputeDecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = services.order_resolve_dispute(
            order=order,
            decision=data.validated_data["decision"],
            reason=data.validated_data["reason"],
            actor=request.user,
        )
        return self._respond(order)

    @extend_schema(
        parameters=[OpenApiParameter("file_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses=download_responses(EVIDENCE_KINDS),
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
