"""Shared instruments: the booking calendar of an instrument and booking it.

An instrument is a `ServiceOffering` with `is_instrument` and an `hourly_rate`. It is booked
by whole hours, in the slots of a working day (09:00 to 17:00), over the next BOOKING_DAYS
days. Days and hours are the programme's local time (settings.TIME_ZONE, China Standard Time)
whoever asks: the API reads and answers datetimes in UTC, so a booking made there for 09:00 is
the same 01:00 UTC slot as one made on the page, and the opening hours, the booking window and
the overlap check are one rule for both. A booking is paid like any service: it creates a
service order through the order service (contract amount = hours x hourly rate, paid by the
enterprise's voucher), and the provider accepts it, logs it completed, and claims the voucher
as usual.

Two bookings of one instrument never overlap: each booked hour is an `InstrumentSlot` row,
unique per instrument and start; the instrument's row is locked while a booking checks and
takes its slots, so a clash is a clear 409 and the constraint is the backstop. Cancelling
or declining the order frees its slots.

Lock order (CONVENTIONS.md): instrument (offering) -> voucher -> service order.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from portal.errors import InvalidTransition, NotAllowed, ValidationFailed
from providers.models import InstrumentBooking, InstrumentSlot, ServiceOffering
from providers.services.orders import order_create_within, relation_refusal
from regions.models import AuditEntry, User
from regions.selectors import programme_today
from regions.services import audit_record

BOOKING_DAYS = 14
FIRST_HOUR = 9  # the first slot starts at 09:00
LAST_HOUR = 17  # the last slot ends at 17:00
SLOT_HOURS = list(range(FIRST_HOUR, LAST_HOUR))


def is_bookable(offering: ServiceOffering) -> bool:
    return bool(
        offering.is_instrument
        and offering.active
        and offering.hourly_rate
        and offering.provider.takes_orders
    )


def _programme_zone() -> ZoneInfo:
    """The zone a booking's day and hours are read in. Not the request's current zone: the
    API switches that to UTC (portal.api.ApiTimesInUtc), and hour 9 must be the same slot
    whether it was booked through the API or on the page."""
    return ZoneInfo(settings.TIME_ZONE)


def _slot_start(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=_programme_zone())


def booking_days(today: date | None = None) -> list[date]:
    """The days a booking may fall on: today and the next BOOKING_DAYS - 1 days, counted in
    the programme's time zone."""
    today = today or programme_today()
    return [today + timedelta(days=n) for n in range(BOOKING_DAYS)]


def instrument_calendar(offering: ServiceOffering, *, now: datetime | None = None) -> list[dict]:
    """The next BOOKING_DAYS days of the instrument, each with its hourly slots: free,
    booked or past. One query for the booked slots, whatever the span."""
    now = now or timezone.now()
    days = booking_days(timezone.localdate(now, timezone=_programme_zone()))
    first, last = _slot_start(days[0], 0), _slot_start(days[-1] + timedelta(days=1), 0)
    booked = set(
        InstrumentSlot.objects.filter(
            offering=offering, starts_at__gte=first, starts_at__lt=last
        ).values_list("starts_at", flat=True)
    )
    calendar = []
    for day in days:
        slots = []
        for hour in SLOT_HOURS:
            start = _slot_start(day, hour)
            slots.append(
                {
                    "hour": hour,
                    "label": f"{hour:02d}:00",
                    "booked": start in booked,
                    "past": start <= now,
                }
            )
        calendar.append({"day": day, "slots": slots})
    return calendar


def _whole_hours(value, *, field: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationFailed(_("Enter a whole number of hours."), field=field) from None
    if not 1 <= number <= LAST_HOUR - FIRST_HOUR:
        raise ValidationFailed(
            _("Book from 1 to %(n)s hours.") % {"n": LAST_HOUR - FIRST_HOUR}, field=field
        )
    return number


def _start(day, hour, *, now: datetime) -> datetime:
    if not isinstance(day, date):
        try:
            day = date.fromisoformat(str(day).strip())
        except ValueError:
            raise ValidationFailed(_("Enter a valid date."), field="day") from None
    try:
        hour = int(str(hour).strip())
    except (TypeError, ValueError):
        raise ValidationFailed(_("Choose the first hour."), field="hour") from None
    if hour not in SLOT_HOURS:
        raise ValidationFailed(
            _("Bookings run from %(first)s:00 to %(last)s:00.")
            % {"first": FIRST_HOUR, "last": LAST_HOUR},
            field="hour",
        )
    if day not in booking_days(timezone.localdate(now, timezone=_programme_zone())):
        raise ValidationFailed(
            _("Book a day within the next %(n)s days.") % {"n": BOOKING_DAYS}, field="day"
        )
    start = _slot_start(day, hour)
    if start <= now:
        raise ValidationFailed(_("This hour has passed."), field="hour")
    return start


def in_both_languages(text) -> str:
    """`text()` in Chinese and in English, "中文 · English" (once when they are the same)."""
    versions = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            versions.append(text())
    return " · ".join(dict.fromkeys(versions))


@transaction.atomic(durable=True)
def instrument_book(
    *, actor: User, offering: ServiceOffering, voucher, day, hour, hours
) -> InstrumentBooking:
    """An enterprise books `hours` hours of an instrument from `hour` on `day`, paid by its
    voucher: the booking and its service order are made together, or neither is."""
    if not (actor.is_authenticated and actor.is_enterprise and actor.enterprise_id):
        raise NotAllowed(_("Only an enterprise can book an instrument."))
    now = timezone.now()
    hours = _whole_hours(hours, field="hours")
    start = _start(day, hour, now=now)
    end = start + timedelta(hours=hours)
    local_start = timezone.localtime(start, _programme_zone())
    local_end = timezone.localtime(end, _programme_zone())
    if local_end.hour > LAST_HOUR or local_end.date() != local_start.date():
        raise ValidationFailed(
            _("A booking ends by %(last)s:00 of its day.") % {"last": LAST_HOUR}, field="hours"
        )
    offering = (
        ServiceOffering.objects.select_for_update(of=("self",))
        .select_related("provider")
        .get(pk=offering.pk)
    )
    if not is_bookable(offering):
        raise InvalidTransition(
            _("This service is not a shared instrument open for booking."),
            code="not_bookable",
            field="offering",
        )
    refusal = relation_refusal(actor.enterprise, offering.provider, field="offering")
    if refusal is not None:
        raise refusal  # before the slots: no booking can pay this provider at any hour
    starts = [start + timedelta(hours=n) for n in range(hours)]
    if InstrumentSlot.objects.filter(offering=offering, starts_at__in=starts).exists():
        raise InvalidTransition(
            _("Some of these hours are booked already; choose free slots."),
            code="slot_taken",
            field="hour",
        )
    amount = (offering.hourly_rate * hours).quantize(Decimal("0.01"))
    order = order_create_within(
        actor=actor,
        provider=offering.provider,
        voucher=voucher,
        offering=offering,
        # Stored and read by both parties in either language: no words, no language's
        # punctuation (a Chinese booker's full-width colon stood in English pages and CSVs).
        title=f"{offering.title} · {date_format(local_start.date(), 'Y-m-d')} "
        f"{local_start.hour:02d}:00–{local_start.hour + hours:02d}:00",
        # Stored text read by both parties, each in their own language: written in both.
        description=in_both_languages(
            lambda: (
                ngettext(
                    "Booking of %(hours)s hour at ¥%(rate)s an hour.",
                    "Booking of %(hours)s hours at ¥%(rate)s an hour.",
                    hours,
                )
                % {"hours": hours, "rate": offering.hourly_rate}
            )
        ),
        contract_amount=amount,
    )
    booking = InstrumentBooking.objects.create(
        offering=offering,
        enterprise_id=actor.enterprise_id,
        starts_at=start,
        ends_at=end,
        hours=hours,
        service_order=order,
    )
    InstrumentSlot.objects.bulk_create(
        InstrumentSlot(booking=booking, offering=offering, starts_at=s) for s in starts
    )
    audit_record(
        actor=actor,
        obj=booking,
        action=AuditEntry.Action.BOOK,
        data={
            "offering": offering.pk,
            "starts_at": start.isoformat(),
            "hours": hours,
            "service_order": order.pk,
            "contract_amount": str(amount),
        },
    )
    return booking


def bookings_of(offering: ServiceOffering):
    return InstrumentBooking.objects.filter(offering=offering).select_related("service_order")
