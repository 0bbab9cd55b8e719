"""The expert library and the technology-manager library, read by anyone
(`GET /api/experts/`, `GET /api/technology-managers/`). An expert's or a manager's e-mail
address is never in the API: people contact an expert by request through the portal.

The brokering manager's actions on a demand (`/api/demands/{id}/introductions/`,
`/api/demands/{id}/broker-withdraw/`) live with the demand's others (providers/api/demands.py);
their bodies are here."""

import django_filters
from rest_framework import permissions, serializers, viewsets

from portal.api import ModelSerializer, TextField
from portal.filters import ApiFilterSet
from providers import selectors
from providers.models import Expert, TechnologyManager
from providers.models.libraries import DemandIntroduction


class ExpertSerializer(ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    categories = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    provider = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Expert
        fields = [
            "id",
            "name",
            "name_zh",
            "field",
            "organisation",
            "region",
            "titles",
            "categories",
            "provider",
            "bio",
        ]
        read_only_fields = fields


class TechnologyManagerSerializer(ModelSerializer):
    regions_served = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = TechnologyManager
        fields = ["id", "name", "name_zh", "certification_level", "organisation", "regions_served"]
        read_only_fields = fields


class DemandIntroductionSerializer(ModelSerializer):
    provider_name = TextField(source="provider.name", read_only=True)
    manager_name = TextField(source="manager.name", read_only=True)

    class Meta:
        model = DemandIntroduction
        fields = [
            "id",
            "demand",
            "provider",
            "provider_name",
            "manager",
            "manager_name",
            "note",
            "created_at",
        ]
        read_only_fields = fields


class DemandIntroductionCreateSerializer(serializers.Serializer):
    provider = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text="A certified provider's id"
    )
    note = TextField(
        required=False,
        allow_blank=True,
        max_length=2000,
        help_text="For the provider and the enterprise",
    )


class BrokerWithdrawSerializer(serializers.Serializer):
    reason = TextField(
        max_length=2000, help_text="Why the manager steps back; the enterprise reads it"
    )


class ExpertFilter(ApiFilterSet):
    region = django_filters.CharFilter(method="filter_region", help_text="District code")
    category = django_filters.CharFilter(method="filter_category", help_text="Category code")
    q = django_filters.CharFilter(
        method="filter_q", help_text="Name, field, organisation, titles, profile"
    )

    class Meta:
        model = Expert
        fields = ["region", "category", "q"]

    def filter_region(self, queryset, name, value):
        return queryset.filter(region__code=value)

    def filter_category(self, queryset, name, value):
        return queryset.filter(categories__code=value).distinct()

    def filter_q(self, queryset, name, value):
        ids = selectors.expert_library(search=value).values("pk")
        return queryset.filter(pk__in=ids)


class TechnologyManagerFilter(ApiFilterSet):
    region = django_filters.CharFilter(
        method="filter_region", help_text="Code of a district served"
    )
    q = django_filters.CharFilter(method="filter_q", help_text="Name, organisation")

    class Meta:
        model = TechnologyManager
        fields = ["region", "q"]

    def filter_region(self, queryset, name, value):
        return queryset.filter(pk__in=selectors.manager_library(region=value).values("pk"))

    def filter_q(self, queryset, name, value):
        return queryset.filter(pk__in=selectors.manager_library(search=value).values("pk"))


class ExpertViewSet(viewsets.ReadOnlyModelViewSet):
    """The expert library: active experts, for anyone."""

    serializer_class = ExpertSerializer
    filterset_class = ExpertFilter
    permission_classes = [permissions.AllowAny]
    ordering_fields = ["name", "id"]
    ordering = ["name", "id"]

    def get_queryset(self):
        return selectors.expert_library()


class TechnologyManagerViewSet(viewsets.ReadOnlyModelViewSet):
    """The technology-manager library: active managers, for anyone."""

    serializer_class = TechnologyManagerSerializer
    filterset_class = TechnologyManagerFilter
    permission_classes = [permissions.AllowAny]
    ordering_fields = ["name", "id"]
    ordering = ["name", "id"]

    def get_queryset(self):
        return selectors.manager_library()
