"""API of the regions app: the districts and their budgets, the token endpoint, and
settlement batches (the operator runs settlement and records transfers; officials read their
district's part and download their statements)."""

import re

from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, renderers, serializers, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.parsers import FormParser
from rest_framework.response import Response

from portal import two_factor
from portal.api import CodeField, created
from portal.emails import remember_language
from portal.errors import NotAllowed
from portal.lockout import lockout_response
from portal.parsers import BoundedJSONParser, StrictMultiPartParser
from portal.renderers import PortalJSONRenderer
from portal.throttling import AnonThrottle
from regions.exports import statement_response
from regions.models import Notice, Region, SettlementBatch
from regions.notices import is_notices_keeper, notice_edit, notice_publish, notice_withdraw
from regions.permissions import (
    can_run_settlement,
    can_see_budget,
    can_view_settlement,
    can_view_statement,
)
from regions.rules_api import ProgrammeRulesViewSet
from regions.selectors import current_year, notices_published, region_list, rules_for
from regions.settlement.selectors import batch_is_stalled, batch_view_for, batches_visible_to
from regions.settlement.services import (
    settlement_batch_create,
    settlement_batch_resume,
    settlement_transfer_confirm,
)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField()


class TokenRequestSerializer(AuthTokenSerializer):
    otp_code = serializers.CharField(
        required=False,
        write_only=True,
        help_text="Authenticator or recovery code: needed by accounts with two-step sign-in.",
    )


class ObtainTokenView(ObtainAuthToken):
    """`POST {"username", "password", "otp_code"?}` -> `{"token"}`. Throttled like any
    anonymous call, locked out (429) like the login page after too many wrong passwords, and
    asking for the second factor (403 `otp_required`) where the login page would."""

    serializer_class = TokenRequestSerializer
    throttle_classes = [AnonThrottle]
    parser_classes = [BoundedJSONParser, FormParser, StrictMultiPartParser]

    @extend_schema(responses=TokenResponseSerializer)
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        try:
            serializer.is_valid(raise_exception=True)
        except ValidationError:
            # The lock-out refuses inside authenticate(), which can only say "no user";
            # it marks the request so that the client learns why, and for how long.
            if getattr(request, "axes_locked_out", False):
                return lockout_response(request)
            raise
        user = serializer.validated_data["user"]
        state = two_factor.second_factor_state(user)
        if state == two_factor.SETUP:
            return Response(
                {
                    "detail": "Set up two-step sign-in on the website first.",
                    "code": "otp_setup_required",
                },
                status=403,
            )
        if state == two_factor.VERIFY and not two_factor.second_factor_check(
            user=user, token=serializer.validated_data.get("otp_code", "")
        ):
            return Response(
                {"detail": "A valid otp_code is needed.", "code": "otp_required"}, status=403
            )
        token, _ = Token.objects.get_or_create(user=user)
        if request.headers.get("Accept-Language"):
            # The language the client asks its answers in is the person's: their e-mails
            # come in it too (portal/emails.py), as after signing in on the website.
            remember_language(user, translation.get_language())
        return Response({"token": token.key})


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "name_zh", "province", "province_zh"]


class BudgetSerializer(serializers.Serializer):
    region = serializers.CharField()
    year = serializers.IntegerField()
    annual_budget = serializers.DecimalField(max_digits=14, decimal_places=2)
    committed = serializers.DecimalField(max_digits=14, decimal_places=2)
    redeemed = serializers.DecimalField(max_digits=14, decimal_places=2)
    available = serializers.DecimalField(max_digits=14, decimal_places=2)
    max_voucher_per_enterprise = serializers.DecimalField(max_digits=14, decimal_places=2)
    co_funding_ratio = serializers.DecimalField(max_digits=4, decimal_places=3)
    validity_days = serializers.IntegerField()
    cross_region = serializers.BooleanField()


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """The four pilot districts; readable by anyone."""

    serializer_class = RegionSerializer
    permission_classes = [permissions.AllowAny]
    lookup_field = "code"
    filter_backends = []

    def get_queryset(self):
        return region_list()

    @extend_schema(
        responses=BudgetSerializer,
        parameters=[
            OpenApiParameter(
                "year", OpenApiTypes.INT, description="The programme year; default this year."
            )
        ],
    )
    @action(detail=True, permission_classes=[permissions.IsAuthenticated])
    def budget(self, request, code=None):
        region = self.get_object()
        if not can_see_budget(request.user, region):
            raise Http404
        raw = request.query_params.get("year")
        # ?year=2027 or ?year=abc answered this year's figures, as if they were that year's.
        if raw is not None and not re.fullmatch(r"-?[0-9]{1,9}", raw):
            raise ValidationError({"year": [_("A year is four digits, such as 2026.")]})
        year = int(raw) if raw is not None else current_year()
        # Any whole number is a year the schema allows: one without rules is not found.
        rules = rules_for(region=region, year=year) if 1 <= year <= 9999 else None
        if rules is None:
            raise Http404(
                _("%(region)s has no programme rules for %(year)s.")
                % {"region": region.display_name, "year": year}
            )
        return Response(
            BudgetSerializer(
                {
                    "region": region.code,
                    "year": rules.year,
                    "annual_budget": rules.annual_budget,
                    "committed": rules.committed,
                    "redeemed": rules.redeemed,
                    "available": rules.available,
                    "max_voucher_per_enterprise": rules.max_voucher_per_enterprise,
                    "co_funding_ratio": rules.co_funding_ratio,
                    "validity_days": rules.validity_days,
                    "cross_region": rules.cross_region,
                }
            ).data
        )


# --- settlement batches -------------------------------------------------------------------


class PairSerializer(serializers.Serializer):
    from_region = serializers.CharField(source="from_region.code")
    to_region = serializers.CharField(source="to_region.code")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class ObligationSerializer(PairSerializer):
    redemption_count = serializers.IntegerField()


class TransferSerializer(PairSerializer):
    payment_reference = serializers.CharField()
    confirmed_at = serializers.DateTimeField()


class BatchSerializer(serializers.ModelSerializer):
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
    status = serializers.CharField(source="batch.status")
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
    region = serializers.CharField(source="region.code", allow_null=True, default=None)
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
    from_region = serializers.CharField(max_length=16)
    to_region = serializers.CharField(max_length=16)
    payment_reference = serializers.CharField(allow_blank=True, max_length=100)


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

    @extend_schema(request=ConfirmTransferSerializer, responses=BatchDetailSerializer)
    @action(detail=True, methods=["post"], url_path="confirm-transfer")
    def confirm_transfer(self, request, pk=None):
        """Record a transfer's payment reference; the last one confirms and closes the batch."""
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
        fmt = (format or request.query_params.get("format") or "csv").lower()
        if fmt not in ("csv", "pdf"):
            raise Http404
        return statement_response(batch, region, fmt)


class NoticeSerializer(serializers.ModelSerializer):
    region = CodeField(
        queryset=Region.objects.all(),
        required=False,
        allow_null=True,
        help_text="The district's code; empty for the whole programme (operator only).",
    )
    published_by = serializers.CharField(source="published_by.username", read_only=True)

    class Meta:
        model = Notice
        fields = [
            "id",
            "kind",
            "title",
            "title_zh",
            "body",
            "body_zh",
            "region",
            "opens_at",
            "closes_at",
            "published_by",
            "published_at",
            "withdrawn_at",
            "withdrawn_reason",
        ]
        read_only_fields = [
            "id",
            "published_by",
            "published_at",
            "withdrawn_at",
            "withdrawn_reason",
        ]
        # In English, in Chinese or both: the service asks for one title and one text.
        extra_kwargs = {
            **{
                name: {"required": False, "allow_blank": True}
                for name in ("title", "body", "title_zh", "body_zh")
            },
            # Only those who keep a withdrawn notice read it (by its id); to everyone else
            # every notice is a published one, and these are empty.
            "withdrawn_at": {"help_text": "When the notice was withdrawn; null while published."},
            "withdrawn_reason": {"help_text": "Why it was withdrawn; empty while published."},
        }


class NoticeEditSerializer(serializers.ModelSerializer):
    """The fields a published notice may change; what is left out keeps its value."""

    class Meta:
        model = Notice
        fields = ["title", "title_zh", "body", "body_zh", "opens_at", "closes_at"]
        # As on publishing and on the page: one title and one text in either language is
        # enough, so the English ones may be emptied (the service refuses both empty).
        extra_kwargs = {
            **{name: {"required": False} for name in ("opens_at", "closes_at")},
            **{
                name: {"required": False, "allow_blank": True}
                for name in ("title", "title_zh", "body", "body_zh")
            },
        }


class WithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


@extend_schema(
    parameters=[
        OpenApiParameter("region", OpenApiTypes.STR, description="A district's code"),
        OpenApiParameter("kind", OpenApiTypes.STR, enum=Notice.Kind.values),
    ]
)
class NoticeViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The programme's public notices (policy, calls for applications, FAQ, news). Anyone
    reads them; officials publish for their district, the operator for any or the programme."""

    serializer_class = NoticeSerializer
    filter_backends = []
    parser_classes = [BoundedJSONParser]

    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_permissions(self):
        if self.action in ("create", "partial_update"):
            return [permissions.IsAuthenticated()]
        return [permissions.AllowAny()]

    def get_queryset(self):
        region = self.request.query_params.get("region") or None
        kind = self.request.query_params.get("kind") or None
        if kind and kind not in Notice.Kind.values:
            raise ValidationError(
                {"kind": [_("One of %(values)s.") % {"values": ", ".join(Notice.Kind.values)}]}
            )
        # By id, the withdrawn ones too: get_object() shows them only to those who keep them.
        # The list stays what is published.
        return notices_published(
            region_code=region, kind=kind, with_withdrawn=self.detail
        ).select_related("published_by")

    def get_object(self):
        """The notice by id; a withdrawn one only for those who keep it (its district's
        officials, the operator), as on its page (`regions.views.notices.notice_detail`):
        they read it, and the services refuse them editing or withdrawing it again (409
        `notice_withdrawn`). To anyone else it is gone (404)."""
        notice = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        if notice.withdrawn_at is not None and not is_notices_keeper(self.request.user, notice):
            raise Http404
        self.check_object_permissions(self.request, notice)
        return notice

    def create(self, request, *args, **kwargs):
        data = NoticeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if request.user.is_official and "region" in data.validated_data:
            if data.validated_data["region"] is None:
                # An explicit null is the whole programme, the operator's: it was published
                # for the official's own district without a word.
                raise NotAllowed(
                    _("Only the programme operator publishes for the whole programme.")
                )
        notice = notice_publish(actor=request.user, **data.validated_data)
        return created(request, NoticeSerializer(notice).data)

    @extend_schema(request=NoticeEditSerializer, responses={200: NoticeSerializer})
    def partial_update(self, request, *args, **kwargs):
        """Correct a notice's texts or a call's window (who may withdraw it); its kind and
        district stay. Fields left out keep their values."""
        notice = self.get_object()
        data = NoticeEditSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        current = {name: getattr(notice, name) for name in NoticeEditSerializer.Meta.fields}
        notice = notice_edit(
            actor=request.user, notice=notice, **{**current, **data.validated_data}
        )
        return Response(NoticeSerializer(notice).data)

    @extend_schema(request=WithdrawSerializer, responses={204: None})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def withdraw(self, request, pk=None):
        """Take the notice off the public site, with a `reason` (its publisher's district
        official or the operator); a withdrawn call stops setting the application window."""
        notice = self.get_object()
        data = WithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notice_withdraw(actor=request.user, notice=notice, reason=data.validated_data["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)


def register(router):
    """Add the regions app's viewsets to the API router."""
    router.register("regions", RegionViewSet, basename="region")
    router.register("notices", NoticeViewSet, basename="notice")
    router.register("programme-rules", ProgrammeRulesViewSet, basename="programme-rules")
    router.register("settlement-batches", SettlementBatchViewSet, basename="settlement-batch")
