"""Related parties: an enterprise reads and declares its own, an official of the district
reads and records those of its enterprises (the operator reads all)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from portal.api import ModelSerializer, TextField, created
from portal.parsers import BoundedJSONParser
from providers.models import Provider
from vouchers import selectors
from vouchers.models import RelatedParty
from vouchers.services.related_parties import related_party_declare

MAX_ID = 2**31 - 1


class RelatedPartySerializer(ModelSerializer):
    declared_by = TextField(
        source="declared_by.username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = RelatedParty
        fields = ["id", "enterprise", "provider", "relation", "declared_by", "credit_code", "name"]
        read_only_fields = fields


class RelatedPartyInputSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="Enterprise id (officials; yours by default)",
    )
    provider = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="Provider id")
    relation = serializers.ChoiceField(choices=RelatedParty.Relation.choices)


@extend_schema_view(
    list=extend_schema(summary="Related parties you may see"),
    retrieve=extend_schema(summary="One related party"),
)
class RelatedPartyViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = RelatedPartySerializer
    filterset_fields = ["enterprise", "provider", "relation"]
    ordering_fields = ["declared_at", "id"]
    ordering = ["-declared_at", "-id"]
    parser_classes = [BoundedJSONParser]

    def get_queryset(self):
        return selectors.related_parties_visible_to(self.request.user)

    @extend_schema(
        summary="Declare a related party (the enterprise) or record one (an official)",
        request=RelatedPartyInputSerializer,
        responses={201: RelatedPartySerializer},
    )
    def create(self, request, *args, **kwargs):
        data = RelatedPartyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        provider = Provider.objects.filter(pk=values["provider"]).first()
        if provider is None:
            raise serializers.ValidationError({"provider": [_("No provider has this id.")]})
        party = related_party_declare(
            actor=request.user,
            provider=provider,
            relation=values["relation"],
            enterprise_id=values.get("enterprise"),
        )
        party = self.get_queryset().get(pk=party.pk)
        return created(request, RelatedPartySerializer(party).data)
