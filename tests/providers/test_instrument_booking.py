"""Shared instruments: the booking calendar, booking by the hour paid by a voucher through a
service order, and no two bookings of one instrument overlapping."""

from datetime import timedelta
from decimal import Decimal

import pytest

from providers import services
from providers.instruments import booking_days, instrument_book
from providers.models import InstrumentBooking, InstrumentSlot, ServiceOffering, ServiceOrder
from regions.models import AuditEntry

pytestmark = pytest.mark.postgres


def book(demo, sem, day, *, hour, hours):
    """Jiangnan books the SEM with the demo's voucher, through the service."""
    return instrument_book(
        actor=demo["users"]["enterprise-jiangnan"],
        offering=sem,
        voucher=demo["voucher"],
        day=day,
        hour=hour,
        hours=hours,
    )


def _post(client, sem, voucher, day, hour, hours):
    return client.post(
        f"/instruments/{sem.pk}/",
        {"voucher": voucher.serial, "day": day.isoformat(), "hour": hour, "hours": hours},
    )


def test_it_shows_the_calendar_with_booked_hours_greyed(client, demo, sem, day):
    book(demo, sem, day, hour=10, hours=2)
    response = client.get(f"/instruments/{sem.pk}/")
    assert response.status_code == 200
    calendar = response.context["calendar"]
    assert len(calendar) == 14
    booked = [(d["day"], s["hour"]) for d in calendar for s in d["slots"] if s["booked"]]
    assert booked == [(day, 10), (day, 11)]
    assert b"calendar-day" in response.content


def test_the_form_starts_on_the_first_slot_still_free(client, demo, sem):
    from providers.instruments import instrument_calendar

    client.force_login(demo["users"]["enterprise-jiangnan"])
    first = next(
        (d["day"], s["hour"])
        for d in instrument_calendar(sem)
        for s in d["slots"]
        if not (s["past"] or s["booked"])
    )
    book(demo, sem, first[0], hour=first[1], hours=1)

    form = client.get(f"/instruments/{sem.pk}/").context["form"]

    day, hour = form.initial["day"], form.initial["hour"]
    slot = next(
        s
        for d in instrument_calendar(sem)
        if d["day"].isoformat() == day
        for s in d["slots"]
        if s["hour"] == hour
    )
    assert not slot["past"] and not slot["booked"]
    assert (day, hour) != (first[0].isoformat(), first[1])


def test_a_booking_creates_an_order_of_hours_times_rate(client, demo, sem, day):
    client.force_login(demo["users"]["enterprise-jiangnan"])
    response = _post(client, sem, demo["voucher"], day, 13, 3)
    booking = InstrumentBooking.objects.get(offering=sem, starts_at__date=day, hours=3)
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{booking.service_order_id}/"
    order = booking.service_order
    assert order.contract_amount == Decimal("2400.00") == sem.hourly_rate * 3
    assert order.status == ServiceOrder.Status.REQUESTED
    assert order.voucher == demo["voucher"] and order.offering == sem
    assert booking.slots.count() == 3
    assert AuditEntry.objects.filter(
        object_type="providers.instrumentbooking", object_id=str(booking.pk), action="book"
    ).exists()


def test_an_overlapping_booking_is_refused_with_409(client, demo, sem, day):
    client.force_login(demo["users"]["enterprise-jiangnan"])
    assert _post(client, sem, demo["voucher"], day, 10, 3).status_code == 302
    orders = ServiceOrder.objects.count()
    response = _post(client, sem, demo["voucher"], day, 12, 2)
    assert response.status_code == 409
    assert ServiceOrder.objects.count() == orders  # nothing half-written
    assert InstrumentBooking.objects.filter(offering=sem, starts_at__date=day).count() == 1


def test_the_database_refuses_a_second_booking_of_one_slot(demo, sem, day):
    from django.db import IntegrityError, transaction

    booking = book(demo, sem, day, hour=9, hours=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        InstrumentSlot.objects.create(booking=booking, offering=sem, starts_at=booking.starts_at)


def test_cancelling_the_order_frees_the_hours(demo, sem, day):
    enterprise_user = demo["users"]["enterprise-jiangnan"]
    booking = book(demo, sem, day, hour=15, hours=2)
    services.order_cancel(order=booking.service_order, actor=enterprise_user)
    assert not booking.slots.exists()
    again = book(demo, sem, day, hour=15, hours=2)
    assert again.pk != booking.pk


@pytest.mark.parametrize(
    "hour, hours, field",
    [(8, 1, "hour"), (16, 2, "hours"), (9, 0, "hours"), (9, 9, "hours")],
)
def test_it_refuses_hours_outside_the_working_day(client, demo, sem, day, hour, hours, field):
    client.force_login(demo["users"]["enterprise-jiangnan"])
    response = _post(client, sem, demo["voucher"], day, hour, hours)
    assert response.status_code == 400
    assert field in response.context["form"].errors


def test_it_refuses_a_day_beyond_the_calendar(demo, sem):
    from portal.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        book(demo, sem, booking_days()[-1] + timedelta(days=1), hour=10, hours=1)


def test_a_provider_cannot_book(client, demo, sem, day):
    client.force_login(demo["users"]["provider-sit"])
    response = _post(client, sem, demo["voucher"], day, 10, 1)
    assert response.status_code == 403


def test_another_enterprises_voucher_is_not_found(client, demo, sem, day, make_enterprise):
    enterprise = make_enterprise(region="NANHU")
    client.force_login(enterprise.users.get())
    assert _post(client, sem, demo["voucher"], day, 10, 1).status_code == 404


def test_an_offering_that_is_not_an_instrument_has_no_calendar(client, demo):
    offering = ServiceOffering.objects.filter(is_instrument=False).first()
    assert client.get(f"/instruments/{offering.pk}/").status_code == 404


def test_the_provider_profile_links_the_calendar(client, sem):
    response = client.get(f"/providers/{sem.provider_id}/")
    assert f"/instruments/{sem.pk}/".encode() in response.content


def test_the_booking_form_names_its_start_hour_in_chinese(client, demo, sem):
    client.force_login(demo["users"]["enterprise-jiangnan"])

    page = client.get(f"/instruments/{sem.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    # "From" of the audit trail's columns is the previous status (原状态); here it is the hour.
    assert "开始时间" in page and "原状态" not in page


def test_the_booking_order_describes_itself_in_both_languages(demo, sem, day):
    booking = book(demo, sem, day, hour=9, hours=2)

    description = booking.service_order.description
    assert "Booking of 2 hours" in description and "预约" in description


def test_a_related_party_is_told_before_booking_and_refused_beside_the_instrument(
    client, api_as, demo, sem, day
):
    """The calendar offered free slots and the form; the refusal came only after sending it,
    and the API named a `provider` field the booking has not."""
    from vouchers.models import RelatedParty

    enterprise = demo["voucher"].enterprise
    RelatedParty.objects.create(enterprise=enterprise, credit_code=sem.provider.credit_code)
    client.force_login(demo["users"]["enterprise-jiangnan"])
    page = client.get(f"/instruments/{sem.pk}/").content.decode()
    assert "declared related party" in page
    assert 'name="hours"' not in page and 'slot-free" href' not in page
    orders = ServiceOrder.objects.count()
    posted = _post(client, sem, demo["voucher"], day, 10, 1)
    assert posted.status_code == 400
    api = api_as(demo["users"]["enterprise-jiangnan"]).post(
        f"/api/instruments/{sem.pk}/bookings/",
        {"voucher": demo["voucher"].serial, "day": day.isoformat(), "hour": 10, "hours": 1},
        format="json",
    )
    assert api.status_code == 400 and api.json()["code"] == "related_party"
    assert "offering" in api.json()
    assert ServiceOrder.objects.count() == orders


def test_the_service_is_logged_only_once_the_booked_time_has_ended(client, demo, sem, day):
    """The lab logged two booked hours as used the day before them: the enterprise was asked
    to confirm hours not yet used, and a confirmation made them claimable."""
    from portal.errors import InvalidTransition
    from tests.providers.conftest import pdf_upload

    booking = book(demo, sem, day, hour=10, hours=2)
    lab = demo["users"]["provider-weikai"]
    order = services.order_accept(order=booking.service_order, actor=lab)
    with pytest.raises(InvalidTransition) as refused:
        services.order_complete(order=order, actor=lab, summary="Used.", evidence=[pdf_upload()])
    assert refused.value.code == "booking_not_over"
    assert "log the service once the booked time has ended" in str(refused.value)
    assert not order.evidence.exists()

    client.force_login(lab)
    page = client.get(f"/orders/{order.pk}/complete/")
    assert "The instrument is booked until" in page.content.decode()
    assert not page.context["may_complete"]
    posted = client.post(
        f"/orders/{order.pk}/complete/", {"summary": "Used.", "evidence": pdf_upload()}
    )
    assert posted.status_code == 409
    # The API, which speaks UTC, says the end in programme time too (it said 03:00 for 11:00).
    from django.utils import timezone as tz
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(lab)
    answer = api.post(
        f"/api/service-orders/{order.pk}/complete/",
        {"summary": "Used.", "evidence": [pdf_upload()]},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert answer.status_code == 409
    end = tz.localtime(booking.ends_at)
    assert f"booked until {end:%Y-%m-%d %H:%M} (UTC+08:00)" in answer.json()["detail"]

    # The slot over (moved into the past as time would): the completion is logged.
    past = timedelta(days=10)
    InstrumentBooking.objects.filter(pk=booking.pk).update(
        starts_at=booking.starts_at - past, ends_at=booking.ends_at - past
    )
    services.order_complete(order=order, actor=lab, summary="Used.", evidence=[pdf_upload()])
    order.refresh_from_db()
    assert order.status == ServiceOrder.Status.COMPLETED


def _keyed_post(client, sem, voucher, day, hour, hours):
    """As the browser sends it: the form's submission key from the page just rendered."""
    import re

    from portal.submissions import FIELD

    page = client.get(f"/instruments/{sem.pk}/").content.decode()
    key = re.search(rf'name="{FIELD}" value="([^"]+)"', page).group(1)
    return client.post(
        f"/instruments/{sem.pk}/",
        {"voucher": voucher.serial, "day": day.isoformat(), "hour": hour, "hours": hours,
         FIELD: key},
    )  # fmt: skip


def test_a_booking_sent_again_after_back_lands_on_the_first(client, demo, sem, day):
    """Back, then send again: 409 "some hours are booked already", about one's own booking."""
    client.force_login(demo["users"]["enterprise-jiangnan"])
    first = _keyed_post(client, sem, demo["voucher"], day, 10, 2)
    assert first.status_code == 302
    orders = ServiceOrder.objects.count()
    again = _keyed_post(client, sem, demo["voucher"], day, 10, 2)
    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert ServiceOrder.objects.count() == orders


def test_a_refused_booking_is_said_at_the_top_of_the_page(client, demo, sem, day):
    """On a phone the calendar is some 5,600 px tall and the refusal sat below it."""
    client.force_login(demo["users"]["enterprise-jiangnan"])
    assert _post(client, sem, demo["voucher"], day, 10, 3).status_code == 302
    page = _post(client, sem, demo["voucher"], day, 12, 2).content.decode()
    top = page.index("The instrument is not booked:")
    assert top < page.index("Booking calendar") < page.index('id="book"')
