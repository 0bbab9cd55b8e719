"""Shared instruments' bookings (`GET POST /api/instruments/{id}/bookings/`), {id} being the
instrument's service offering. Booking goes through `instruments.instrument_book`, which
makes the service order the voucher pays; an hour already booked is `409` `slot_taken`.
`day` and `hour` are the programme's local time, as on the page; the answer's datetimes are
UTC like the rest of the API."""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from portal.api import ModelSerializer, TextField
from portal.errors import NotAllowed
from providers import instruments, selectors
from providers.api.inputs import own_voucher
from providers.models import InstrumentBooking


class InstrumentBookingSerializer(ModelSerializer):
    instrument = serializers.PrimaryKeyRelatedField(source="offering", read_only=True)

    class Meta:
        model = InstrumentBooking
        fields = [
            "id",
            "instrument",
            "enterprise",
            "starts_at",
            "ends_at",
            "hours",
            "service_order",
            "created_at",
        ]
        read_only_fields = fields


class InstrumentBookingCreateSerializer(serializers.Serializer):
    voucher = TextField(max_length=40, help_text="Serial of one of your vouchers")
    day = serializers.DateField(
        help_text="Within the next 14 days, in the programme's local time "
        "(China Standard Time, UTC+8)"
    )
    hour = serializers.IntegerField(
        help_text="First hour, 9 to 16, in the programme's local time (China Standard Time, "
        "UTC+8): hour 9 starts at 01:00 UTC; starts_at and ends_at are answered in UTC"
    )
    hours = serializers.IntegerField(help_text="Whole hours, ending by 17:00 local time")


INSTRUMENT = OpenApiParameter(
    "instrument_pk", int, OpenApiParameter.PATH, description="The instrument's service offering"
)


@extend_schema_view(
    list=extend_schema(parameters=[INSTRUMENT]),
    create=extend_schema(
        parameters=[INSTRUMENT],
        request=InstrumentBookingCreateSerializer,
        responses={201: InstrumentBookingSerializer},
    ),
)
class InstrumentBookingViewSet(mixins.CreateModelMixin, viewsets.GenericViewSet):
    """An instrument's bookings: an enterprise sees its own and books; the instrument's
    provider, officials and the operator see all of them. An instrument the reader may not
    see (or an offering that is no instrument) is 404."""

    serializer_class = InstrumentBookingSerializer
    filterset_class = None
    ordering = ["starts_at", "id"]
    ordering_fields = ["starts_at", "id"]

    def instrument(self):
        visible = selectors.offerings_visible_to(self.request.user).filter(is_instrument=True)
        return get_object_or_404(visible, pk=self.kwargs["instrument_pk"])

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return InstrumentBooking.objects.none()
        user = self.request.user
        bookings = InstrumentBooking.objects.filter(offering=self.instrument()).order_by(
            "starts_at", "id"
        )
        if user.is_operator or user.is_official:
            return bookings
        mine = Q(pk__in=[])
        if user.is_enterprise and user.enterprise_id:
            mine = Q(enterprise_id=user.enterprise_id)
        elif user.is_provider and user.provider_id:
            mine = Q(offering__provider_id=user.provider_id)
        return bookings.filter(mine)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request, *args, **kwargs):
        user = request.user
        offering = self.instrument()
        if not (user.is_enterprise and user.enterprise_id):
            raise NotAllowed(_("Only an enterprise can book an instrument."))
        data = InstrumentBookingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        voucher = own_voucher(user, values["voucher"])
        booking = instruments.instrument_book(
            actor=user,
            offering=offering,
            voucher=voucher,
            day=values["day"],
            hour=values["hour"],
            hours=values["hours"],
        )
        return Response(self.get_serializer(booking).data, status=status.HTTP_201_CREATED)
