"""Expert assignments (`GET POST /api/expert-assignments/`, `GET /api/expert-assignments/{id}/`,
`POST /api/expert-assignments/{id}/comments/`, `.../decline/`): an official asks an expert to
review an application or to advise on a demand of the district; the assigned expert reads and
comments, or declines with a reason.
The services are those of the pages (`providers.services.libraries`); who sees what is
`selectors.assignments_visible_to` (others get 404)."""

from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.api import ModelSerializer, TextField, created
from portal.errors import NotAllowed, ValidationFailed
from providers import selectors
from providers.models import Demand, Expert, ExpertAssignment, ExpertComment
from providers.services import libraries
from vouchers.models import VoucherApplication


class ExpertCommentSerializer(ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ExpertComment
        fields = ["id", "author", "body", "created_at"]
        read_only_fields = fields


class ExpertAssignmentSerializer(ModelSerializer):
    assigned_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    comments = ExpertCommentSerializer(many=True, read_only=True)

    class Meta:
        model = ExpertAssignment
        fields = [
            "id",
            "expert",
            "application",
            "demand",
            "note",
            "assigned_by",
            "created_at",
            "declined_at",
            "decline_reason",
            "comments",
        ]
        read_only_fields = fields


class ExpertAssignmentCreateSerializer(serializers.Serializer):
    expert = serializers.IntegerField()
    application = serializers.IntegerField(
        required=False, allow_null=True, help_text="A voucher application to review"
    )
    demand = serializers.IntegerField(
        required=False, allow_null=True, help_text="A technology demand to advise on"
    )
    note = TextField(required=False, allow_blank=True, max_length=2000)


class ExpertCommentCreateSerializer(serializers.Serializer):
    body = TextField(max_length=4000)


class ExpertDeclineSerializer(serializers.Serializer):
    reason = TextField(max_length=2000, help_text="Why the expert declines")


class ExpertAssignmentViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Officials see their district's assignments, the operator all, an expert its own."""

    serializer_class = ExpertAssignmentSerializer
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self):
        comments = ExpertComment.objects.select_related("author").order_by("created_at", "id")
        return selectors.assignments_visible_to(self.request.user).prefetch_related(
            Prefetch("comments", queryset=comments)
        )

    @extend_schema(
        request=ExpertAssignmentCreateSerializer, responses={201: ExpertAssignmentSerializer}
    )
    def create(self, request, *args, **kwargs):
        """An official assigns an expert to one application or one demand of the district."""
        user = request.user
        if not user.is_official:
            raise NotAllowed(_("Only a district official assigns experts."))
        data = ExpertAssignmentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        expert = Expert.objects.filter(pk=values["expert"]).first()
        if expert is None:
            raise serializers.ValidationError({"expert": [_("No expert has this id.")]})
        if (values.get("application") is None) == (values.get("demand") is None):
            # The request's shape before which target exists: a 404 would send the caller
            # looking for an id when the body can never pass.
            raise ValidationFailed(
                _("Choose one application or one demand."), field="application", code="one_target"
            )
        # The district's applications and demands (404 beyond them); one already decided or
        # closed is the service's 409 `review_closed`, as an expert's comment on it is: a 404
        # sent the official looking for an application it could open.
        targets = {}
        for field, in_district in [
            ("application", VoucherApplication.objects.filter(region_id=user.region_id)),
            ("demand", Demand.objects.filter(region_id=user.region_id)),
        ]:
            if values.get(field) is not None:
                targets[field] = in_district.filter(pk=values[field]).first()
                if targets[field] is None:
                    raise Http404
        assignment = libraries.expert_assign(
            actor=user, expert=expert, note=values.get("note", ""), **targets
        )
        assignment = self.get_queryset().get(pk=assignment.pk)
        return created(request, self.get_serializer(assignment).data)

    @extend_schema(request=ExpertCommentCreateSerializer, responses={201: ExpertCommentSerializer})
    @action(detail=True, methods=["post"], pagination_class=None)
    def comments(self, request, pk=None):
        """The assigned expert comments; the official who assigned the expert is told."""
        assignment = self.get_object()
        data = ExpertCommentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = libraries.expert_comment(
            actor=request.user, assignment=assignment, body=data.validated_data["body"]
        )
        return Response(ExpertCommentSerializer(comment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ExpertDeclineSerializer, responses={200: ExpertAssignmentSerializer})
    @action(detail=True, methods=["post"], pagination_class=None)
    def decline(self, request, pk=None):
        """The assigned expert declines, before commenting, with a `reason` the official who
        asked reads (409 `already_declined`, `already_commented`)."""
        assignment = self.get_object()
        data = ExpertDeclineSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        libraries.expert_assignment_decline(
            actor=request.user, assignment=assignment, reason=data.validated_data["reason"]
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=assignment.pk)).data)
