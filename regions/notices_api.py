"""API of notices: anyone reads the published ones; officials publish for their district,
the operator for the whole programme, and either withdraws with a reason."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from portal.api import CodeField, ModelSerializer, TextField, created
from portal.errors import NotAllowed
from portal.parsers import BoundedJSONParser
from regions.models import Notice, Region
from regions.notices import (
    call_warning_for,
    can_publish_notices,
    is_notices_keeper,
    notice_edit,
    notice_publish,
    notice_withdraw,
)
from regions.selectors import notices_published


class NoticeSerializer(ModelSerializer):
    region = CodeField(
        queryset=Region.objects.all(),
        required=False,
        allow_null=True,
        help_text="The district's code; empty for the whole programme (operator only).",
    )
    published_by = TextField(source="published_by.username", read_only=True)

    class Meta:
        model = Notice
        fields = [
            "id",
            "kind",
            "title",
            "title_zh",
            "body",
            "body_zh",
            "region",
            "opens_at",
            "closes_at",
            "published_by",
            "published_at",
            "withdrawn_at",
            "withdrawn_reason",
        ]
        read_only_fields = [
            "id",
            "published_by",
            "published_at",
            "withdrawn_at",
            "withdrawn_reason",
        ]
        # In English, in Chinese or both: the service asks for one title and one text.
        extra_kwargs = {
            **{
                name: {"required": False, "allow_blank": True}
                for name in ("title", "body", "title_zh", "body_zh")
            },
            # Only those who keep a withdrawn notice read it (by its id); to everyone else
            # every notice is a published one, and these are empty.
            "withdrawn_at": {"help_text": "When the notice was withdrawn; null while published."},
            "withdrawn_reason": {"help_text": "Why it was withdrawn; empty while published."},
        }


class NoticeSavedSerializer(NoticeSerializer):
    """The notice as published or edited, and what that did that its publisher should know."""

    warning = TextField(
        read_only=True,
        allow_null=True,
        help_text=(
            "For a call that opens later: its district's applications, open until now, stay "
            "closed until it opens (while a district has calls it takes applications only "
            "inside an open call's window), in the reader's language; null otherwise."
        ),
    )

    class Meta(NoticeSerializer.Meta):
        fields = [*NoticeSerializer.Meta.fields, "warning"]


def saved(notice: Notice, warning: str | None) -> dict:
    return {**NoticeSerializer(notice).data, "warning": warning}


class NoticeEditSerializer(ModelSerializer):
    """The fields a published notice may change; what is left out keeps its value."""

    class Meta:
        model = Notice
        fields = ["title", "title_zh", "body", "body_zh", "opens_at", "closes_at"]
        # As on publishing and on the page: one title and one text in either language is
        # enough, so the English ones may be emptied (the service refuses both empty).
        extra_kwargs = {
            **{name: {"required": False} for name in ("opens_at", "closes_at")},
            **{
                name: {"required": False, "allow_blank": True}
                for name in ("title", "title_zh", "body", "body_zh")
            },
        }


class WithdrawSerializer(serializers.Serializer):
    reason = TextField(max_length=2000)


@extend_schema(
    parameters=[
        OpenApiParameter("region", OpenApiTypes.STR, description="A district's code"),
        OpenApiParameter("kind", OpenApiTypes.STR, enum=Notice.Kind.values),
    ]
)
class NoticeViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The programme's public notices (policy, calls for applications, FAQ, news). Anyone
    reads them; officials publish for their district, the operator for any or the programme."""

    serializer_class = NoticeSerializer
    filter_backends = []
    parser_classes = [BoundedJSONParser]

    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_permissions(self):
        if self.action in ("create", "partial_update"):
            return [permissions.IsAuthenticated()]
        return [permissions.AllowAny()]

    def get_queryset(self):
        region = self.request.query_params.get("region") or None
        kind = self.request.query_params.get("kind") or None
        if kind and kind not in Notice.Kind.values:
            raise ValidationError(
                {"kind": [_("One of %(values)s.") % {"values": ", ".join(Notice.Kind.values)}]}
            )
        # By id, the withdrawn ones too: get_object() shows them only to those who keep them.
        # The list stays what is published.
        return notices_published(
            region_code=region, kind=kind, with_withdrawn=self.detail
        ).select_related("published_by")

    def get_object(self):
        """The notice by id; a withdrawn one only for those who keep it (its district's
        officials, the operator), as on its page (`regions.views.notices.notice_detail`):
        they read it, and the services refuse them editing or withdrawing it again (409
        `notice_withdrawn`). To anyone else it is gone (404)."""
        notice = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        if notice.withdrawn_at is not None and not is_notices_keeper(self.request.user, notice):
            raise Http404
        self.check_object_permissions(self.request, notice)
        return notice

    @extend_schema(responses={201: NoticeSavedSerializer})
    def create(self, request, *args, **kwargs):
        # 403 before the body is read: an enterprise was told which fields it had left out.
        if not can_publish_notices(request.user):
            raise NotAllowed(_("Only officials and the operator publish notices."))
        data = NoticeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if request.user.is_official and "region" in data.validated_data:
            if data.validated_data["region"] is None:
                # An explicit null is the whole programme, the operator's: it was published
                # for the official's own district without a word.
                raise NotAllowed(
                    _("Only the programme operator publishes for the whole programme.")
                )
        values = data.validated_data
        warning = call_warning_for(
            request.user,
            kind=values["kind"],
            region=values.get("region"),
            opens_at=values.get("opens_at"),
            closes_at=values.get("closes_at"),
        )
        notice = notice_publish(actor=request.user, **values)
        return created(request, saved(notice, warning))

    @extend_schema(request=NoticeEditSerializer, responses={200: NoticeSavedSerializer})
    def partial_update(self, request, *args, **kwargs):
        """Correct a notice's texts or a call's window (who may withdraw it); its kind and
        district stay. Fields left out keep their values."""
        notice = self.get_object()
        data = NoticeEditSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        current = {name: getattr(notice, name) for name in NoticeEditSerializer.Meta.fields}
        values = {**current, **data.validated_data}
        warning = call_warning_for(
            request.user,
            kind=notice.kind,
            region=notice.region,
            opens_at=values["opens_at"],
            closes_at=values["closes_at"],
            notice=notice,
        )
        notice = notice_edit(actor=request.user, notice=notice, **values)
        return Response(saved(notice, warning))

    @extend_schema(request=WithdrawSerializer, responses={204: None})
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def withdraw(self, request, pk=None):
        """Take the notice off the public site, with a `reason` (its publisher's district
        official or the operator); a withdrawn call stops setting the application window."""
        notice = self.get_object()
        data = WithdrawSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notice_withdraw(actor=request.user, notice=notice, reason=data.validated_data["reason"])
        return Response(status=status.HTTP_204_NO_CONTENT)
