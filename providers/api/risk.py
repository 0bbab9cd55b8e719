"""Risk flags: the district's officials read them (`?open=true` for the queue) and clear one
with a reason; an order with an open flag cannot have its redemption approved."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.api import ModelSerializer, TextField
from portal.filters import ApiFilterSet, StrictBooleanFilter
from portal.parsers import BoundedJSONParser
from providers.models import RiskFlag
from providers.services.risk import risk_flag_clear, risk_flags_visible_to


class RiskFlagSerializer(ModelSerializer):
    cleared_by = TextField(
        source="cleared_by.username", read_only=True, allow_null=True, default=None
    )
    open = serializers.BooleanField(source="is_open", read_only=True)

    class Meta:
        model = RiskFlag
        fields = [
            "id",
            "kind",
            "service_order",
            "evidence",
            "raised_at",
            "open",
            "cleared_by",
            "cleared_at",
            "clear_reason",
        ]
        read_only_fields = fields


class ClearSerializer(serializers.Serializer):
    reason = TextField(max_length=2000)


class RiskFlagFilter(ApiFilterSet):
    open = StrictBooleanFilter(field_name="cleared_at", lookup_expr="isnull")

    class Meta:
        model = RiskFlag
        fields = ["open", "kind", "service_order"]


@extend_schema_view(
    list=extend_schema(summary="Risk flags of your district (`?open=true`: the queue)"),
    retrieve=extend_schema(summary="One risk flag"),
)
class RiskFlagViewSet(viewsets.ReadOnlyModelViewSet):
    """Officials see the flags on orders paid with their district's vouchers (the operator
    all); other roles see none."""

    serializer_class = RiskFlagSerializer
    filterset_class = RiskFlagFilter
    ordering_fields = ["raised_at", "id"]
    ordering = ["-raised_at", "-id"]
    parser_classes = [BoundedJSONParser]

    def get_queryset(self):
        return risk_flags_visible_to(self.request.user).order_by("-raised_at", "-id")

    @extend_schema(
        summary="Clear the flag with a reason (an official of the issuing district)",
        request=ClearSerializer,
        responses=RiskFlagSerializer,
    )
    @action(detail=True, methods=["post"])
    def clear(self, request, pk=None):
        data = ClearSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            flag_id = int(pk)
        except (TypeError, ValueError):
            flag_id = 0
        if not 0 < flag_id < 2**31:
            flag_id = 0  # no such flag: the service answers 404
        flag = risk_flag_clear(
            flag_id=flag_id, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(RiskFlagSerializer(self.get_queryset().get(pk=flag.pk)).data)
