"""API of enterprises: list and read those in your scope, register one, correct its
registration (its own users), verify, refuse or close it."""

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.api import CodeField, ModelSerializer, TextField, created
from portal.errors import NotAllowed
from portal.filters import ApiFilterSet, StrictBooleanFilter
from regions.models import Region
from vouchers import permissions, selectors, services
from vouchers.models import Enterprise
from vouchers.services.registration import (
    REGISTRATION_FIELDS,
    enterprise_registration_correct,
    may_correct_registration,
)


class EnterpriseSerializer(ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    verified = serializers.BooleanField(source="is_verified", read_only=True)

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "name",
            "name_zh",
            "credit_code",
            "region",
            "industry",
            "size",
            "contact_name",
            "contact_phone",
            "legal_representative",
            "registered_address",
            "contact_email",
            "registered_at",
            "verified",
            "verified_at",
            "rejected_at",
            "rejection_reason",
            "closed_at",
        ]
        read_only_fields = fields


class EnterpriseRejectionSerializer(serializers.Serializer):
    reason = TextField(max_length=2000)


class EnterpriseCreateInputSerializer(serializers.Serializer):
    name = TextField(max_length=200)
    name_zh = TextField(max_length=200, required=False, allow_blank=True)
    # Not limited to 18 here: the service says exactly what is wrong with a bad code.
    credit_code = TextField(max_length=64)
    region = CodeField(queryset=Region.objects.all())
    industry = TextField(max_length=100)
    size = serializers.ChoiceField(choices=Enterprise.Size.choices)
    contact_name = TextField(max_length=100)
    contact_phone = TextField(max_length=32, required=False, allow_blank=True)
    contact_email = serializers.EmailField()


class EnterpriseCorrectionInputSerializer(serializers.Serializer):
    """The fields of registering, each optional: those left out keep their values."""

    name = TextField(max_length=200, required=False)
    name_zh = TextField(max_length=200, required=False, allow_blank=True)
    # Not limited to 18 here: the service says exactly what is wrong with a bad code.
    credit_code = TextField(max_length=64, required=False)
    region = CodeField(queryset=Region.objects.all(), required=False)
    industry = TextField(max_length=100, required=False)
    size = serializers.ChoiceField(choices=Enterprise.Size.choices, required=False)
    contact_name = TextField(max_length=100, required=False)
    contact_phone = TextField(max_length=32, required=False, allow_blank=True)
    contact_email = serializers.EmailField(required=False)

    def validate(self, attrs):
        # A field that is not the registration's ("verified", "legal_representative") was
        # left as it was without a word, and the client believed it changed.
        others = sorted(set(self.initial_data) - set(REGISTRATION_FIELDS))
        if others:
            message = _("Not a field of the registration; these are: %(fields)s.") % {
                "fields": ", ".join(REGISTRATION_FIELDS)
            }
            raise serializers.ValidationError({field: [message] for field in others})
        return attrs


class EnterpriseFilter(ApiFilterSet):
    region = django_filters.CharFilter(field_name="region__code")
    verified = StrictBooleanFilter(field_name="verified_at", exclude=True, lookup_expr="isnull")

    class Meta:
        model = Enterprise
        fields = ["region", "verified"]


@extend_schema_view(
    list=extend_schema(summary="Enterprises you may see"),
    retrieve=extend_schema(summary="One enterprise"),
)
class EnterpriseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """An enterprise user sees its own enterprise, an official those of its district, the
    operator all of them."""

    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilter
    ordering_fields = ["name", "registered_at", "id"]
    ordering = ["name", "id"]

    def get_queryset(self):
        return selectors.enterprises_visible_to(self.request.user)

    @extend_schema(
        summary="Register an enterprise",
        request=EnterpriseCreateInputSerializer,
        responses={201: EnterpriseSerializer},
    )
    def create(self, request):
        # The role first: a caller who may not register one gets 403 whatever its body.
        if not permissions.can_create_enterprise(request.user):
            raise NotAllowed(_("Your role may not register an enterprise."))
        data = EnterpriseCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enterprise = services.enterprise_create(actor=request.user, **data.validated_data)
        return created(request, EnterpriseSerializer(enterprise).data)

    @extend_schema(
        summary="Correct the registration (the enterprise's own users)",
        description=(
            "Any of the fields of registering; those left out keep their values, and the "
            "credit code is checked as at registration (18 characters, check character, not "
            "used by another open registration). Until a district official verifies the "
            "enterprise, refused or waiting, every field may change; a new `region` moves the "
            "registration to that district's officials. Once verified, `name`, `name_zh`, "
            "`credit_code` and `region` are locked (409 `locked_once_verified`). Each change "
            "is recorded in the audit trail, before and after. 403 for anyone but the "
            "enterprise's own users."
        ),
        request=EnterpriseCorrectionInputSerializer,
        responses=EnterpriseSerializer,
    )
    def partial_update(self, request, pk=None):
        enterprise = self.get_object()
        # The role first: an official of the district gets 403 whatever its body.
        if not may_correct_registration(request.user, enterprise):
            raise NotAllowed(_("Only the enterprise's own users may correct its registration."))
        data = EnterpriseCorrectionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enterprise = enterprise_registration_correct(
            enterprise=enterprise, actor=request.user, **data.validated_data
        )
        return Response(EnterpriseSerializer(enterprise).data)

    @extend_schema(summary="Verify the enterprise (an official of its district)", request=None)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        enterprise = services.enterprise_verify(enterprise=self.get_object(), actor=request.user)
        return Response(EnterpriseSerializer(enterprise).data)

    @extend_schema(
        summary="Refuse the registration, saying why (an official of its district)",
        request=EnterpriseRejectionSerializer,
        responses=EnterpriseSerializer,
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = EnterpriseRejectionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enterprise = services.enterprise_reject(
            enterprise=self.get_object(), actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(EnterpriseSerializer(enterprise).data)

    @extend_schema(
        summary=(
            "Close a refused registration for good: its accounts are deactivated and its "
            "credit code may be registered again (an official of its district)"
        ),
        request=None,
        responses=EnterpriseSerializer,
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        enterprise = services.enterprise_close(enterprise=self.get_object(), actor=request.user)
        return Response(EnterpriseSerializer(enterprise).data)
