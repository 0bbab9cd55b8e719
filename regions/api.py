"""API of the regions app: the districts and their budgets and the token endpoint; notices,
programme rules, statistics and settlement batches have modules of their own."""

import re

from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser
from rest_framework.response import Response

from portal import two_factor
from portal.api import ModelSerializer, TextField
from portal.emails import remember_language
from portal.lockout import lockout_response
from portal.parsers import BoundedJSONParser, StrictMultiPartParser
from portal.signin import DEACTIVATED_MESSAGE, is_deactivated_account
from portal.throttling import AnonThrottle
from regions.models import Region
from regions.notices_api import NoticeViewSet
from regions.permissions import (
    can_see_budget,
)
from regions.rules_api import ProgrammeRulesViewSet
from regions.selectors import current_year, region_list, rules_for
from regions.settlement_api import SettlementBatchViewSet


class TokenResponseSerializer(serializers.Serializer):
    token = TextField()


class TokenRequestSerializer(AuthTokenSerializer):
    otp_code = TextField(
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
            if is_deactivated_account(request):  # the password was right: say why (403)
                return Response(
                    {"detail": str(DEACTIVATED_MESSAGE), "code": "account_deactivated"},
                    status=403,
                )
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


class RegionSerializer(ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name", "name_zh", "province", "province_zh"]


class BudgetSerializer(serializers.Serializer):
    region = TextField()
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


def register(router):
    """Add the regions app's viewsets to the API router."""
    router.register("regions", RegionViewSet, basename="region")
    router.register("notices", NoticeViewSet, basename="notice")
    router.register("programme-rules", ProgrammeRulesViewSet, basename="programme-rules")
    router.register("settlement-batches", SettlementBatchViewSet, basename="settlement-batch")
