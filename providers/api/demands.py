"""Technology demands and proposals (../shared/API.md): an enterprise publishes demands and
accepts a proposal; providers read the demands they may see and propose."""

import django_filters
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from portal.api import CodeField, ModelSerializer, TextField, created, download_responses
from portal.errors import NotAllowed
from portal.files import EVIDENCE_KINDS, private_file_response
from portal.filters import ApiFilterSet
from portal.money import MoneyField
from portal.parsers import BoundedJSONParser, StrictMultiPartParser
from providers import permissions, selectors, services
from providers.api.inputs import own_voucher
from providers.api.libraries import (
    BrokerWithdrawSerializer,
    DemandIntroductionCreateSerializer,
    DemandIntroductionSerializer,
)
from providers.api.matching import ExpertMatchesField, MatchesField
from providers.models import Demand, Expert, Proposal, ProposalAttachment, Provider, ServiceCategory
from providers.selectors.libraries import introductions_visible_to
from providers.services import brokering


class DemandSerializer(ModelSerializer):
    enterprise_name = TextField(source="enterprise.name", read_only=True)
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)
    category = serializers.SlugRelatedField(slug_field="code", read_only=True)
    budget_min = MoneyField(read_only=True)
    budget_max = MoneyField(read_only=True)
    invited_providers = serializers.SerializerMethodField()

    class Meta:
        model = Demand
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "region",
            "title",
            "description",
            "category",
            "budget_min",
            "budget_max",
            "deadline",
            "visibility",
            "invited_providers",
            "status",
            "created_at",
            "closed_at",
            "technology_manager",
        ]
        read_only_fields = fields

    def get_invited_providers(self, demand) -> list[int]:
        """Shown to the demand's enterprise (and officials); others see an empty list."""
        user = self.context["request"].user if "request" in self.context else None
        if (
            user is not None
            and user.is_authenticated
            and (permissions.is_demand_owner(user, demand) or user.is_official or user.is_operator)
        ):
            return sorted(p.pk for p in demand.invited_providers.all())
        return []


class DemandDetailSerializer(DemandSerializer):
    """One demand, with its ranked providers and experts (providers/api/matching.py)."""

    matches = MatchesField()
    experts = ExpertMatchesField()

    class Meta(DemandSerializer.Meta):
        fields = [*DemandSerializer.Meta.fields, "matches", "experts"]
        read_only_fields = fields


class DemandCreateSerializer(serializers.Serializer):
    title = TextField(max_length=200)
    description = TextField(max_length=20000)
    category = CodeField(queryset=ServiceCategory.objects.all(), help_text="Category code")
    budget_min = MoneyField(allow_zero=True)
    budget_max = MoneyField()
    deadline = serializers.DateField()
    visibility = serializers.ChoiceField(
        choices=Demand.Visibility.choices, default=Demand.Visibility.PUBLIC
    )
    invited_providers = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        required=False,
        max_length=100,
    )


class DemandEditSerializer(DemandCreateSerializer):
    """What `PATCH` may change: the fields of publishing, each optional."""

    visibility = serializers.ChoiceField(choices=Demand.Visibility.choices)


class DemandCloseSerializer(serializers.Serializer):
    reason = TextField(max_length=2000, required=False, allow_blank=True)


class ProposalAttachmentSerializer(ModelSerializer):
    name = TextField(source="original_name")
    url = serializers.SerializerMethodField()

    class Meta:
        model = ProposalAttachment
        fields = ["id", "name", "content_type", "size", "uploaded_at", "url"]

    def get_url(self, attachment) -> str:
        return f"/api/proposals/{attachment.proposal_id}/attachments/{attachment.pk}/"


class ProposalSerializer(ModelSerializer):
    provider_name = TextField(source="provider.name", read_only=True)
    price = MoneyField(read_only=True)
    attachments = ProposalAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Proposal
        fields = [
            "id",
            "demand",
            "provider",
            "provider_name",
            "approach",
            "price",
            "duration_days",
            "expert",
            "status",
            "created_at",
            "decided_at",
            "service_order",
            "attachments",
        ]
        read_only_fields = fields


class ProposalCreateSerializer(serializers.Serializer):
    approach = TextField(max_length=Proposal.APPROACH_MAX_LENGTH)
    price = MoneyField()
    duration_days = serializers.IntegerField(min_value=1, max_value=3650)
    expert = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, required=False, allow_null=True
    )
    attachments = serializers.ListField(
        child=serializers.FileField(allow_empty_file=True), required=False
    )


class ProposalAcceptSerializer(serializers.Serializer):
    voucher = TextField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="Serial of the voucher to pay with; by default your active voucher that "
        "can pay this provider",
    )


class AcceptedSerializer(serializers.Serializer):
    service_order = serializers.IntegerField()
    proposal = serializers.IntegerField()
    demand = serializers.IntegerField()
    voucher = TextField()
    contract_amount = MoneyField()
    status = TextField()


class DemandFilter(ApiFilterSet):
    q = django_filters.CharFilter(method="filter_q", help_text="Words in the title or description")
    category = django_filters.CharFilter(method="filter_category", help_text="Category code")
    region = django_filters.CharFilter(method="filter_region", help_text="District code")
    status = django_filters.ChoiceFilter(choices=Demand.Status.choices)

    class Meta:
        model = Demand
        fields = ["q", "category", "region", "status"]

    def filter_q(self, queryset, name, value):
        return selectors.demand_search(queryset, q=value[:200])

    def filter_category(self, queryset, name, value):
        return selectors.demand_search(queryset, category=value)

    def filter_region(self, queryset, name, value):
        return selectors.demand_search(queryset, region=value)


class DemandViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Public demands and those a provider is invited to; the enterprise's own; every demand
    for officials and the operator. Others' invited-only demands are 404."""

    serializer_class = DemandSerializer
    filterset_class = DemandFilter
    ordering_fields = ["created_at", "deadline", "budget_max", "id"]
    ordering = ["-created_at", "-id"]
    parser_classes = [BoundedJSONParser, StrictMultiPartParser, FormParser]

    def get_queryset(self):
        return (
            selectors.demands_visible_to(self.request.user)
            .prefetch_related("invited_providers")
            .order_by("-created_at", "-id")
        )

    def get_permissions(self):
        # Public demands are readable by anyone, as their pages are (/demands/).
        if self.action in ("list", "retrieve"):
            return [AllowAny()]
        return super().get_permissions()

    def get_serializer_class(self):
        if self.action == "retrieve":
            return DemandDetailSerializer
        return DemandSerializer

    @extend_schema(request=DemandCreateSerializer, responses={201: DemandDetailSerializer})
    def create(self, request, *args, **kwargs):
        """An enterprise publishes a demand; `budget_min > budget_max` or a past deadline is
        400."""
        if not permissions.can_publish_demand(request.user):
            raise NotAllowed(_("Only an enterprise can publish demands."))
        data = DemandCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        invited = _invitable(set(values.pop("invited_providers", [])))
        demand = services.demand_publish(actor=request.user, invited_providers=invited, **values)
        demand = self.get_queryset().get(pk=demand.pk)
        return created(
            request, DemandDetailSerializer(demand, context=self.get_serializer_context()).data
        )

    @extend_schema(request=DemandEditSerializer, responses={200: DemandDetailSerializer})
    def partial_update(self, request, *args, **kwargs):
        """The demand's enterprise changes it while it is open: any of the fields of
        publishing; those left out keep their values (newly invited providers are told)."""
        demand = self.get_object()
        data = DemandEditSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        invited = None
        if "invited_providers" in values:
            invited = _invitable(set(values.pop("invited_providers")))
        services.demand_edit(demand=demand, actor=request.user, invited_providers=invited, **values)
        demand = self.get_queryset().get(pk=demand.pk)
        return Response(DemandDetailSerializer(demand, context=self.get_serializer_context()).data)

    @extend_schema(request=DemandCloseSerializer, responses={200: DemandDetailSerializer})
    @action(detail=True, methods=["post"], filterset_class=None)
    def close(self, request, pk=None):
        """The demand's enterprise closes it without choosing a proposal (an optional
        `reason`); the live proposals are declined and their providers told."""
        demand = self.get_object()
        data = DemandCloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.demand_close(
            demand=demand, actor=request.user, reason=data.validated_data.get("reason", "")
        )
        demand = self.get_queryset().get(pk=demand.pk)
        return Response(DemandDetailSerializer(demand, context=self.get_serializer_context()).data)

    @extend_schema(
        methods=["GET"], request=None, responses=ProposalSerializer(many=True), filters=False
    )
    @extend_schema(
        methods=["POST"],
        request={
            "application/json": ProposalCreateSerializer,
            "multipart/form-data": ProposalCreateSerializer,
        },
        responses={201: ProposalSerializer},
    )
    @action(detail=True, methods=["get", "post"], filterset_class=None)
    def proposals(self, request, pk=None):
        """GET: every proposal for the demand's enterprise, a provider its own. POST: a
        certified provider proposes (`attachments` as multipart files)."""
        demand = self.get_object()
        if request.method == "GET":
            proposals = selectors.proposals_visible_to(request.user, demand)
            page = self.paginate_queryset(proposals)
            return self.get_paginated_response(ProposalSerializer(page, many=True).data)
        data = ProposalCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        expert = None
        if values.get("expert"):
            expert = Expert.objects.filter(pk=values["expert"]).first()
            if expert is None:
                raise serializers.ValidationError({"expert": [_("No expert has this id.")]})
        proposal = services.proposal_submit(
            demand=demand,
            actor=request.user,
            approach=values["approach"],
            price=values["price"],
            duration_days=values["duration_days"],
            expert=expert,
            attachments=values.get("attachments", []),
        )
        proposal = selectors.proposals_visible_to(request.user, demand).get(pk=proposal.pk)
        return created(
            request,
            ProposalSerializer(proposal).data,
            location=reverse("api-proposal-detail", args=[proposal.pk]),
        )

    @extend_schema(
        methods=["GET"],
        request=None,
        responses=DemandIntroductionSerializer(many=True),
        filters=False,
    )
    @extend_schema(
        methods=["POST"],
        request=DemandIntroductionCreateSerializer,
        responses={201: DemandIntroductionSerializer},
    )
    @action(detail=True, methods=["get", "post"], filterset_class=None)
    def introductions(self, request, pk=None):
        """GET: the providers introduced to the demand, for its enterprise, the manager
        brokering it, its district's officials and the operator (others: none). POST: the
        manager brokering the open demand introduces a certified provider the enterprise may
        pay (409 `already_introduced`, `provider_not_certified`; 400 `related_party`)."""
        demand = self.get_object()
        if request.method == "GET":
            page = self.paginate_queryset(introductions_visible_to(request.user, demand))
            return self.get_paginated_response(DemandIntroductionSerializer(page, many=True).data)
        # Who may introduce, before the body is read: "No provider has this id" told anyone
        # signed in which ids exist.
        brokering.check_brokering_manager(request.user, demand)
        data = DemandIntroductionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # Among the providers the manager may see (certified ones): a refusal naming another's
        # state told a manager of providers hidden from everyone.
        provider = (
            selectors.providers_visible_to(request.user)
            .filter(pk=data.validated_data["provider"])
            .first()
        )
        if provider is None:
            raise serializers.ValidationError({"provider": [_("No provider has this id.")]})
        introduction = brokering.demand_provider_introduce(
            actor=request.user,
            demand=demand,
            provider=provider,
            note=data.validated_data.get("note", ""),
        )
        return created(
            request, DemandIntroductionSerializer(introduction).data, location=request.path
        )

    @extend_schema(request=BrokerWithdrawSerializer, responses={200: DemandDetailSerializer})
    @action(detail=True, methods=["post"], url_path="broker-withdraw", filterset_class=None)
    def broker_withdraw(self, request, pk=None):
        """The manager brokering the open demand steps back with a `reason` the enterprise
        reads; the demand then has no manager, and the enterprise may ask another."""
        demand = self.get_object()
        brokering.check_brokering_manager(request.user, demand)
        data = BrokerWithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        brokering.demand_broker_withdraw(
            actor=request.user, demand=demand, reason=data.validated_data["reason"]
        )
        demand = Demand.objects.select_related("enterprise", "region", "category").get(pk=demand.pk)
        return Response(DemandDetailSerializer(demand, context=self.get_serializer_context()).data)


class ProposalViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A proposal for its provider and the demand's enterprise; accepting it creates the
    service order."""

    serializer_class = ProposalSerializer
    parser_classes = [BoundedJSONParser, FormParser, StrictMultiPartParser]

    def get_queryset(self):
        user = self.request.user
        proposals = Proposal.objects.select_related("demand", "provider").prefetch_related(
            "attachments"
        )
        if not user.is_authenticated:
            return proposals.none()
        if user.is_operator:
            return proposals
        if user.is_official:
            return proposals.filter(demand__region_id=user.region_id)
        if user.is_enterprise and user.enterprise_id:
            return proposals.filter(demand__enterprise_id=user.enterprise_id)
        if user.is_provider and user.provider_id:
            return proposals.filter(provider_id=user.provider_id)
        # The expert advising on the demand and the manager brokering it read its proposals
        # (selectors.advises_or_brokers), as on the demand's page and in its proposal list.
        if user.role == user.Role.EXPERT:
            return proposals.filter(
                demand__expert_assignments__expert__user=user,
                demand__expert_assignments__expert__active=True,
                demand__expert_assignments__declined_at__isnull=True,
            ).distinct()
        if user.role == user.Role.MANAGER:
            return proposals.filter(
                demand__technology_manager__user=user, demand__technology_manager__active=True
            )
        return proposals.none()

    @extend_schema(request=ProposalAcceptSerializer, responses={201: AcceptedSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """The demand's enterprise accepts: the service order is created from the proposal."""
        proposal = self.get_object()
        data = ProposalAcceptSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        voucher = None
        serial = data.validated_data.get("voucher")
        if serial:
            voucher = own_voucher(request.user, serial)
        order = services.proposal_accept(proposal=proposal, actor=request.user, voucher=voucher)
        body = {
            "service_order": order.pk,
            "proposal": proposal.pk,
            "demand": proposal.demand_id,
            "voucher": order.voucher.serial,
            "contract_amount": order.contract_amount,
            "status": order.status,
        }
        return created(
            request,
            AcceptedSerializer(body).data,
            location=reverse("api-service-order-detail", args=[order.pk]),
        )

    @extend_schema(
        parameters=[OpenApiParameter("file_id", OpenApiTypes.INT, OpenApiParameter.PATH)],
        responses=download_responses(EVIDENCE_KINDS),
    )
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<file_id>[0-9]+)")
    def attachment(self, request, pk=None, file_id=None):
        """Download one of the proposal's files: whoever may read the proposal on its demand's
        page (its provider, the demand's enterprise, officials, the operator, the expert
        advising on the demand and the manager brokering it)."""
        if not str(pk).isdigit():  # the router takes any path segment ("null,null")
            raise Http404
        proposal = Proposal.objects.select_related("demand").filter(pk=pk).first()
        visible = proposal and selectors.proposals_visible_to(request.user, proposal.demand)
        if not visible or not visible.filter(pk=proposal.pk).exists():
            raise Http404
        attachment = proposal.attachments.filter(pk=file_id).first()
        if attachment is None:
            raise Http404
        return private_file_response(
            attachment.file, filename=attachment.original_name, content_type=attachment.content_type
        )

    @extend_schema(request=None, responses=ProposalSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        proposal = services.proposal_withdraw(proposal=self.get_object(), actor=request.user)
        return Response(ProposalSerializer(self.get_queryset().get(pk=proposal.pk)).data)


def _invitable(ids: set[int]) -> list[Provider]:
    """The certified providers of `ids`, or a 400 in the same words for an id no provider
    has and one of a provider not certified (rejected, suspended): "Only certified
    providers" for one and "No provider has this id" for the other told which hidden
    providers exist."""
    invited = list(Provider.objects.filter(pk__in=ids, status=Provider.Status.CERTIFIED))
    if len(invited) != len(ids):
        raise serializers.ValidationError(
            {
                "invited_providers": [
                    _("Invite certified providers only: one of these ids is not one.")
                ]
            }
        )
    return invited
