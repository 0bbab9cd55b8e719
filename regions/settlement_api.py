"""API of settlement batches: the operator runs settlement and records transfers; officials
read their district's part and download their statements."""

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, renderers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAcceptable
from rest_framework.response import Response

from portal.api import ModelSerializer, TextField
from portal.errors import NotAllowed
from portal.renderers import PortalJSONRenderer
from regions.exports import statement_response
from regions.models import Region, SettlementBatch
from regions.permissions import (
    can_run_settlement,
    can_view_settlement,
    can_view_statement,
)
from regions.settlement.selectors import batch_is_stalled, batch_view_for, batches_visible_to
from regions.settlement.services import (
    settlement_batch_create,
    settlement_batch_resume,
)
from regions.settlement.transfers import settlement_transfer_confirm


class PairSerializer(serializers.Serializer):
    from_region = TextField(source="from_region.code")
    to_region = TextField(source="to_region.code")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class ObligationSerializer(PairSerializer):
    redemption_count = serializers.IntegerField()


class TransferSerializer(PairSerializer):
    payment_reference = TextField()
    confirmed_at = serializers.DateTimeField()


class BatchSerializer(ModelSerializer):
    class Meta:
        model = SettlementBatch
        fields = [
            "id",
            "status",
            "cutoff",
            "created_at",
            "computed_at",
            "closed_at",
            "redemption_count",
            "claimed_count",
            "gross_total",
        ]
        read_only_fields = fields


class BatchDetailSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="batch.id")
    status = TextField(source="batch.status")
    cutoff = serializers.DateTimeField(source="batch.cutoff")
    created_at = serializers.DateTimeField(source="batch.created_at")
    computed_at = serializers.DateTimeField(source="batch.computed_at")
    closed_at = serializers.DateTimeField(source="batch.closed_at")
    redemption_count = serializers.IntegerField(source="batch.redemption_count")
    claimed_count = serializers.IntegerField(source="batch.claimed_count")
    progressed_at = serializers.DateTimeField(source="batch.progressed_at")
    stalled = serializers.SerializerMethodField()
    gross_total = serializers.DecimalField(
        source="batch.gross_total", max_digits=14, decimal_places=2
    )
    region = TextField(source="region.code", allow_null=True, default=None)
    obligations = ObligationSerializer(many=True)
    net_positions = serializers.SerializerMethodField()
    transfers = TransferSerializer(many=True)

    def get_stalled(self, view) -> bool:
        """Open with no progress for SETTLEMENT_STALL_SECONDS: resumed by the beat, or now by
        POST .../resume/."""
        return batch_is_stalled(view.batch)

    def get_net_positions(self, view) -> dict[str, str]:
        return {p.region.code: f"{p.amount:.2f}" for p in view.net_positions}


class CreateBatchSerializer(serializers.Serializer):
    cutoff = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text="Settle what was approved up to this moment (default now). A date alone is "
        "midnight UTC of that day; a time without an offset is UTC, as every API time.",
        error_messages={
            "invalid": gettext_lazy(
                "Give the cutoff as a date (YYYY-MM-DD: midnight UTC) or a date and time "
                "(YYYY-MM-DDThh:mm[:ss]: UTC, or in the offset it ends with, +08:00 for China)."
            )
        },
    )


class ConfirmTransferSerializer(serializers.Serializer):
    from_region = TextField(max_length=16)
    to_region = TextField(max_length=16)
    payment_reference = TextField(allow_blank=True, max_length=100)
    confirm_reused_reference = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Record the reference although a transfer of the same paying district (in "
        "any batch) was recorded under it before, compared without case, spaces or "
        "full-width forms: the bank really gave it again. Without it such a reference is "
        "refused with 409 `reference_recorded_before`.",
    )


class EarlierTransferSerializer(serializers.Serializer):
    batch = serializers.IntegerField()
    from_region = TextField()
    to_region = TextField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    payment_reference = TextField()
    confirmed_at = serializers.DateTimeField(allow_null=True)


class ConfirmTransferConflictSerializer(serializers.Serializer):
    detail = TextField()
    code = TextField(
        help_text="`reference_recorded_before`: the paying district recorded a transfer under "
        "this reference before (send `confirm_reused_reference: true` if the bank really "
        "gave it again); `invalid_transition`: the transfer is already recorded or the batch "
        "is not computed; `idempotency_in_progress`: a request with the same "
        "Idempotency-Key is still running."
    )
    earlier_transfers = EarlierTransferSerializer(
        many=True,
        required=False,
        help_text="With `reference_recorded_before`: the transfers recorded under the "
        "reference, latest first.",
    )


class CSVRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class PDFRenderer(renderers.BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data


class SettlementBatchViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Settlement batches: the operator sees everything; an official its district's part."""

    queryset = SettlementBatch.objects.none()  # typed for the schema; see get_queryset
    serializer_class = BatchSerializer
    filterset_fields = ["status"]
    ordering_fields = ["id", "cutoff", "created_at"]
    ordering = ["-id"]

    def perform_content_negotiation(self, request, force=False):
        # A statement asked for in a format it does not come in (`?format=xlsx`): DRF's
        # answer was 404, read as "no such batch"; the action says which formats there are.
        try:
            return super().perform_content_negotiation(request, force)
        except Http404:
            if self.action != "statements":
                raise
            return (PortalJSONRenderer(), PortalJSONRenderer.media_type)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SettlementBatch.objects.none()
        if not can_view_settlement(self.request.user):
            raise NotAllowed(_("Only officials and the operator see settlement."))
        return batches_visible_to(self.request.user).order_by("-id")

    @extend_schema(responses=BatchDetailSerializer)
    def retrieve(self, request, pk=None):
        batch = self.get_object()
        view = batch_view_for(request.user, batch)
        return Response(BatchDetailSerializer(view).data)

    @extend_schema(request=CreateBatchSerializer, responses={202: BatchDetailSerializer})
    def create(self, request):
        """Open a batch up to `cutoff` (default now); a Celery worker settles it (202)."""
        if not can_run_settlement(request.user):
            raise NotAllowed(_("Only the programme operator runs settlement."))
        data = CreateBatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = settlement_batch_create(
            cutoff=data.validated_data.get("cutoff"), actor=request.user
        )
        batch.refresh_from_db()
        view = batch_view_for(request.user, batch)
        return Response(BatchDetailSerializer(view).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: BatchDetailSerializer})
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        """Queue an open batch's unfinished work again (a stalled batch: its worker died)."""
        if not can_run_settlement(request.user):
            raise NotAllowed(_("Only the programme operator runs settlement."))
        batch = self.get_object()
        settlement_batch_resume(batch_id=batch.pk, actor=request.user)
        batch.refresh_from_db()
        view = batch_view_for(request.user, batch)
        return Response(BatchDetailSerializer(view).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        request=ConfirmTransferSerializer,
        parameters=[
            OpenApiParameter(
                "Retry-After",
                int,
                OpenApiParameter.HEADER,
                response=[409],
                description="With `idempotency_in_progress`: seconds to wait before retrying.",
            )
        ],
        responses={
            200: BatchDetailSerializer,
            409: OpenApiResponse(
                response=ConfirmTransferConflictSerializer,
                description="Not recorded: the reference was recorded before for a transfer "
                "of the same paying district (`reference_recorded_before`, naming it), the "
                "transfer is already recorded or the batch not computed "
                "(`invalid_transition`), or a request with the same Idempotency-Key is still "
                "running (`idempotency_in_progress`).",
            ),
        },
    )
    @action(detail=True, methods=["post"], url_path="confirm-transfer")
    def confirm_transfer(self, request, pk=None):
        """Record a transfer's payment reference; the last one confirms and closes the batch.

        A reference already recorded for a transfer of the same paying district, in any batch,
        is refused (409 `reference_recorded_before`) unless `confirm_reused_reference` is true.
        """
        if not can_run_settlement(request.user):
            raise NotAllowed(_("Only the programme operator records settlement transfers."))
        batch = self.get_object()
        data = ConfirmTransferSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        settlement_transfer_confirm(batch_id=batch.pk, actor=request.user, **data.validated_data)
        batch.refresh_from_db()
        return Response(BatchDetailSerializer(batch_view_for(request.user, batch)).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("region_code", str, OpenApiParameter.PATH),
            OpenApiParameter("format", str, enum=["csv", "pdf"], description="csv or pdf"),
        ],
        responses={
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (406, "application/json"): OpenApiResponse(
                response=OpenApiTypes.OBJECT,
                description="Asked for a format other than csv or pdf: `detail` names them.",
            ),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"statements/(?P<region_code>[A-Za-z_]+)",
        renderer_classes=[CSVRenderer, PDFRenderer, PortalJSONRenderer],
    )
    def statements(self, request, pk=None, region_code=None, format=None):
        """The district's statement: `.csv` / `.pdf` suffix or `?format=csv|pdf`."""
        batch = self.get_object()
        region = Region.objects.filter(code=region_code.upper()).first()
        if region is None or not can_view_statement(request.user, region):
            raise Http404
        asked = format or request.query_params.get("format")
        if asked is None:
            # `Accept: application/pdf` gets the PDF; anything else the CSV, as before.
            negotiated = getattr(request, "accepted_renderer", None)
            asked = negotiated.format if negotiated and negotiated.format == "pdf" else "csv"
        fmt = asked.lower()
        if fmt not in ("csv", "pdf"):
            raise NotAcceptable(
                _("A statement comes as csv or pdf, not %(format)s.") % {"format": asked[:20]}
            )
        return statement_response(batch, region, fmt)
