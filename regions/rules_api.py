"""API of the programme rules' versions: anyone reads them (`?region=&year=`, newest first);
the operator publishes one (POST, 201) and withdraws one still waiting for its date
(POST .../withdraw/, 204)."""

from decimal import Decimal

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from portal.api import CodeField, ModelSerializer, TextField
from portal.errors import NotAllowed, ValidationFailed
from portal.money import MoneyField
from portal.parsers import BoundedJSONParser
from providers.models import ServiceCategory
from regions.models import ProgrammeRulesVersion, Region
from regions.rules import (
    REASON_MAX,
    can_publish_rules,
    rules_version_publish,
    rules_version_withdraw,
    rules_version_withdrawal,
)
from regions.rules_values import clean_ratio
from regions.selectors import rules_versions


class RatioField(serializers.CharField):
    """The co-funding ratio as a decimal string, read by the rules' own check (a JSON number
    or an exponent is refused, as for money)."""

    def to_internal_value(self, data):
        try:
            return clean_ratio(data)
        except ValidationFailed as error:
            raise serializers.ValidationError(str(error.message)) from None

    def to_representation(self, value):
        return f"{Decimal(value):.3f}"


class RulesVersionSerializer(ModelSerializer):
    region = CodeField(slug_field="code", queryset=Region.objects.all())
    year = serializers.IntegerField(min_value=2000, max_value=9999)
    annual_budget = MoneyField(allow_zero=True)
    max_voucher_per_enterprise = MoneyField()
    co_funding_ratio = RatioField(
        help_text="The share of a contract the voucher pays, as a decimal string: more than 0, "
        'at most 1, e.g. "0.500".',
    )
    # Each of the fields below that a new version leaves out keeps its value in the rules in
    # force just before the new version's date (`rules_version_publish`; for next year's
    # first version, the previous year's last), as the publishing page shows them: a budget
    # raised through the API turned four eyes off (an absent threshold read as none) and made
    # every category eligible. `null` for `four_eyes_threshold` and `[]` for the categories
    # say so.
    validity_days = serializers.IntegerField(required=False, min_value=1, max_value=3660)
    cross_region = serializers.BooleanField(required=False)
    four_eyes_threshold = MoneyField(
        required=False,
        allow_null=True,
        help_text="Above this amount a second official approves; null: never. Left out: as "
        "in the rules in force.",
    )
    requires_own_share = serializers.BooleanField(required=False)
    provider_notice_days = serializers.IntegerField(required=False, min_value=1, max_value=365)
    split_window_days = serializers.IntegerField(required=False, min_value=1, max_value=3660)
    service_level_days = serializers.IntegerField(required=False, min_value=1, max_value=365)
    eligible_categories = CodeField(
        slug_field="code",
        queryset=ServiceCategory.objects.all(),
        many=True,
        required=False,
        help_text="Category codes the vouchers pay for; empty: every category. Left out: as "
        "in the rules in force.",
    )
    effective_from = serializers.DateField(
        required=False, help_text="The date the rules take effect (today when left out)."
    )
    published_by = TextField(
        source="published_by.username",
        read_only=True,
        allow_null=True,
        help_text="Empty for the first version, made from the rules as they stood.",
    )

    class Meta:
        model = ProgrammeRulesVersion
        fields = [
            "id",
            "region",
            "year",
            "annual_budget",
            "max_voucher_per_enterprise",
            "co_funding_ratio",
            "validity_days",
            "cross_region",
            "four_eyes_threshold",
            "requires_own_share",
            "provider_notice_days",
            "split_window_days",
            "service_level_days",
            "eligible_categories",
            "effective_from",
            "published_by",
            "published_at",
        ]
        read_only_fields = ["id", "published_by", "published_at"]


class WithdrawalSerializer(serializers.Serializer):
    reason = TextField(max_length=REASON_MAX, help_text="Why the version is withdrawn (required).")


class ProgrammeRulesViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Each district's programme rules for a year, as published versions with the date they
    take effect, newest first. Anyone reads them; the operator publishes."""

    serializer_class = RulesVersionSerializer
    filter_backends = []
    parser_classes = [BoundedJSONParser]

    def get_permissions(self):
        if self.action in ("create", "withdraw"):
            return [permissions.IsAuthenticated()]
        return [permissions.AllowAny()]

    def get_queryset(self):
        if self.action != "list":
            return rules_versions()
        region = self.request.query_params.get("region") or None
        year = self.request.query_params.get("year") or None
        if year is not None:
            try:
                year = int(year) if year.isascii() else None
            except ValueError:
                year = None
            if year is None:
                raise ValidationError({"year": [_("A year, like 2026.")]})
            if not 1 <= year <= 9999:  # no rules so far off
                return rules_versions().none()
        return rules_versions(region_code=region, year=year)

    @extend_schema(
        parameters=[
            OpenApiParameter("region", OpenApiTypes.STR, description="A district's code"),
            OpenApiParameter("year", OpenApiTypes.INT, description="The year, like 2026"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def create(self, request, *args, **kwargs):
        # 403 before the body is read: an official was told which fields it had left out.
        if not can_publish_rules(request.user):
            raise NotAllowed(_("Only the programme operator publishes programme rules."))
        data = RulesVersionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # What the client leaves out is absent here, and the service keeps its value in force.
        version = rules_version_publish(actor=request.user, **data.validated_data)
        return Response(RulesVersionSerializer(version).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=WithdrawalSerializer, responses={204: None})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """The operator withdraws a version still waiting for its date (409
        `version_in_force` once it is in force)."""
        try:
            version = self.get_object()
        except Http404:
            # A withdrawn version is deleted: withdrawing it again stays 404 with its code, as
            # reading it is (clients read it so), and tells the operator why when the audit
            # trail holds the withdrawal (it said "Not found.").
            if can_publish_rules(request.user) and rules_version_withdrawal(pk) is not None:
                raise NotFound(_("This version was withdrawn already.")) from None
            raise
        data = WithdrawalSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rules_version_withdraw(
            actor=request.user, version_id=version.pk, reason=data.validated_data["reason"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
