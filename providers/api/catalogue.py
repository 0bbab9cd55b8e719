"""The catalogue: active offerings of certified providers for anyone; a provider manages its
own."""

from rest_framework import mixins, permissions, serializers, viewsets

from portal.api import CodeField, ModelSerializer
from portal.money import MoneyField
from providers import selectors, services
from providers.models import ServiceCategory, ServiceOffering


class ServiceOfferingSerializer(ModelSerializer):
    provider = serializers.PrimaryKeyRelatedField(read_only=True)
    category = CodeField(queryset=ServiceCategory.objects.all())
    indicative_price = MoneyField(allow_zero=True, required=False, allow_null=True)
    hourly_rate = MoneyField(required=False, allow_null=True)

    class Meta:
        model = ServiceOffering
        fields = ["id", "provider", *ServiceOffering.EDITABLE_FIELDS]
        read_only_fields = ["id", "provider"]
        # The length limit holds for the text as sent; the service trims it. (Trimmed first,
        # a title of 200 characters and a leading space passed the 200 limit.)
        extra_kwargs = {
            "title": {"trim_whitespace": False},
            "description": {"trim_whitespace": False},
        }


class ServiceOfferingViewSet(
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Active offerings of certified providers for anyone; a provider manages its own."""

    serializer_class = ServiceOfferingSerializer
    filterset_fields = ["provider", "is_instrument", "active"]
    ordering_fields = ["title", "indicative_price", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_permissions(self):
        if self.action in ("list", "retrieve"):
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def get_queryset(self):
        return selectors.offerings_visible_to(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = services.offering_create(
            actor=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.offering_update(
            offering=serializer.instance, actor=self.request.user, **serializer.validated_data
        )
