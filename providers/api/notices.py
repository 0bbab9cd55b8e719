"""Public notice of providers: anyone reads the notices; anyone signed in (but the provider's
own users) objects with a reason. The district's official answers on the notice page."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from portal.api import ModelSerializer, TextField
from portal.parsers import BoundedJSONParser
from providers import selectors, services
from providers.models import ProviderNotice, ProviderObjection


class ProviderNoticeSerializer(ModelSerializer):
    provider = serializers.IntegerField(source="provider_id", read_only=True)
    provider_name = TextField(source="provider.name", read_only=True)
    region = TextField(source="provider.region.code", read_only=True)
    objections = serializers.IntegerField(
        source="objection_count", read_only=True, help_text="Objections lodged"
    )
    open_objections = serializers.IntegerField(
        source="open_objection_count", read_only=True, help_text="Objections not yet answered"
    )

    class Meta:
        model = ProviderNotice
        fields = [
            "id",
            "provider",
            "provider_name",
            "region",
            "starts_at",
            "ends_at",
            "status",
            "objections",
            "open_objections",
        ]
        read_only_fields = fields


class ObjectionInputSerializer(serializers.Serializer):
    reason = TextField(max_length=4000)


class ObjectionSerializer(ModelSerializer):
    class Meta:
        model = ProviderObjection
        fields = ["id", "notice", "reason", "raised_at", "answer", "answered_at"]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=ProviderNotice.Status.values),
            OpenApiParameter("region", OpenApiTypes.STR, description="A district's code"),
        ]
    )
)
class ProviderNoticeViewSet(viewsets.ReadOnlyModelViewSet):
    """Providers on public notice before certification (and past notices)."""

    serializer_class = ProviderNoticeSerializer
    filter_backends = []
    parser_classes = [BoundedJSONParser]
    permission_classes = [permissions.AllowAny]

    def get_queryset(self):
        status_ = self.request.query_params.get("status") or ""
        if status_ and status_ not in ProviderNotice.Status.values:
            raise ValidationError(
                {"status": [f"One of {', '.join(ProviderNotice.Status.values)}."]}
            )
        region = self.request.query_params.get("region") or ""
        return selectors.provider_notices(status=status_, region=region)

    @extend_schema(request=ObjectionInputSerializer, responses={201: ObjectionSerializer})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def objections(self, request, pk=None):
        """Object to a provider on notice, with a `reason` (409 `own_provider` for the
        provider's own users, 409 `notice_closed` once the notice has ended)."""
        notice = self.get_object()
        data = ObjectionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        objection = services.objection_raise(
            notice_id=notice.pk, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(ObjectionSerializer(objection).data, status=status.HTTP_201_CREATED)
