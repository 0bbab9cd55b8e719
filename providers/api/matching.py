"""The ranked, explained matches of a demand in `GET /api/demands/{id}/` (../shared/API.md):
`matches: [{provider, score, reasons}]` and `experts: [{expert, score, reasons}]`.

`DemandDetailSerializer` (providers/api/demands.py) declares the two fields with
`MatchesField` and `ExpertMatchesField`; they read the ranking once per demand and give it to
the demand's enterprise, officials and the operator (providers.permissions
.can_see_demand_matches); other readers get empty lists."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from portal.api import TextField
from providers.matching import demand_experts, demand_matches
from providers.permissions import can_see_demand_matches


class ProviderMatchSerializer(serializers.Serializer):
    provider = serializers.IntegerField(source="provider.pk", help_text="Provider id")
    provider_name = TextField(source="provider.display_name")
    region = TextField(source="provider.region.code", help_text="District code")
    score = serializers.FloatField(help_text="Fit, about 0-100; higher fits better")
    reasons = serializers.ListField(child=TextField(), help_text="Why, in the reader's language")


class ExpertMatchSerializer(serializers.Serializer):
    expert = serializers.IntegerField(source="expert.pk", help_text="Expert id")
    expert_name = TextField(source="expert.display_name")
    region = TextField(source="expert.region.code", help_text="District code")
    score = serializers.FloatField(help_text="Fit, about 0-100; higher fits better")
    reasons = serializers.ListField(child=TextField())


def _reader_may_see(field, demand) -> bool:
    request = field.context.get("request")
    return can_see_demand_matches(getattr(request, "user", None), demand)


@extend_schema_field(ProviderMatchSerializer(many=True))
class MatchesField(serializers.Field):
    """Certified providers of all four districts ranked by fit, best first (at most 10)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, demand):
        if not _reader_may_see(self, demand):
            return []
        return ProviderMatchSerializer(demand_matches(demand), many=True).data


@extend_schema_field(ExpertMatchSerializer(many=True))
class ExpertMatchesField(serializers.Field):
    """Active experts ranked by fit, best first (at most 5)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, demand):
        if not _reader_may_see(self, demand):
            return []
        return ExpertMatchSerializer(demand_experts(demand), many=True).data
