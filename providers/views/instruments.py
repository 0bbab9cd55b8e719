"""A shared instrument's page: its booking calendar (the next 14 days in hourly slots, booked
ones greyed) and, for an enterprise, the booking form. A booking creates the service order
that the voucher pays (providers/instruments.py)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from portal.submissions import submitted_once
from portal.views import run_service_with_status
from providers import instruments, selectors
from providers.forms import InstrumentBookingForm
from providers.services.orders import relation_refusal


def _first_free_slot(calendar) -> dict:
    """The day and hour the form starts on: the first slot neither past nor booked (the
    first of the list was today 09:00, often past, and a booking there is refused)."""
    for day in calendar:
        for slot in day["slots"]:
            if not (slot["past"] or slot["booked"]):
                return {"day": day["day"].isoformat(), "hour": slot["hour"]}
    return {}


def _booking_form(request, calendar, data=None):
    initial = _first_free_slot(calendar)
    if request.GET.get("day"):
        initial["day"] = request.GET["day"]
    if request.GET.get("hour"):
        initial["hour"] = request.GET["hour"]
    return InstrumentBookingForm(
        data,
        vouchers=selectors.enterprise_vouchers(request.user),
        days=instruments.booking_days(),
        hours=instruments.SLOT_HOURS,
        initial=initial,
    )


@require_http_methods(["GET", "POST"])
@submitted_once
def instrument_detail(request, pk):
    offering = get_object_or_404(
        selectors.offerings_visible_to(request.user).filter(is_instrument=True), pk=pk
    )
    user = request.user
    may_book = (
        user.is_authenticated
        and user.is_enterprise
        and bool(user.enterprise_id)
        and instruments.is_bookable(offering)
    )
    # Said before the form is filled in: a related party's voucher may not pay this provider.
    refusal = relation_refusal(user.enterprise, offering.provider) if may_book else None
    calendar = instruments.instrument_calendar(offering)
    form = _booking_form(request, calendar, request.POST or None) if may_book else None
    status = 200
    if request.method == "POST":
        if not user.is_authenticated:
            raise Http404
        if not may_book:
            raise PermissionDenied
        serial = (request.POST.get("voucher") or "").strip().upper()
        if serial and not selectors.enterprise_vouchers(user).filter(serial=serial).exists():
            raise Http404  # another enterprise's voucher: its existence is not ours to confirm
        status = 400
        if form.is_valid():
            booking, status = run_service_with_status(
                request,
                instruments.instrument_book,
                form=form,
                success=_("The instrument is booked; the provider confirms the order."),
                actor=user,
                offering=offering,
                voucher=form.cleaned_data["voucher"],
                day=form.cleaned_data["day"],
                hour=form.cleaned_data["hour"],
                hours=form.cleaned_data["hours"],
            )
            if status is None:
                return redirect("order-detail", pk=booking.service_order_id)
    return render(
        request,
        "providers/instrument.html",
        {
            "offering": offering,
            # After a refused booking, the calendar as it is now (a slot taken meanwhile).
            "calendar": instruments.instrument_calendar(offering)
            if request.method == "POST"
            else calendar,
            "form": form,
            # No free slot to pick and no form when the booking could only be refused.
            "may_book": may_book and refusal is None,
            "refusal": refusal.message if refusal is not None else "",
            "bookable": instruments.is_bookable(offering),
            "first_hour": instruments.FIRST_HOUR,
            "last_hour": instruments.LAST_HOUR,
        },
        status=status,
    )
