"""Shared-instrument bookings read `day` and `hour` in the programme's local time (China
Standard Time) whether they come through the API or the page: the API answers in UTC, so a
booking of 09:00 on day D is D 01:00 UTC, one slot with the page's 09:00, and the opening
hours, the 14-day window and the overlap check are the same rule for both."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from providers.models import InstrumentBooking, ServiceOrder

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def api(api_as, demo):
    return api_as(demo["users"]["enterprise-jiangnan"])


@pytest.fixture
def web(client, demo):
    client.force_login(demo["users"]["enterprise-jiangnan"])
    return client


def _utc(day, hour):
    return datetime.combine(day, time(hour), tzinfo=UTC)


def _api_book(api, sem, voucher, day, hour, hours):
    return api.post(
        f"/api/instruments/{sem.pk}/bookings/",
        {"voucher": voucher.serial, "day": day.isoformat(), "hour": hour, "hours": hours},
        format="json",
    )


def _page_book(web, sem, voucher, day, hour, hours):
    return web.post(
        f"/instruments/{sem.pk}/",
        {"voucher": voucher.serial, "day": day.isoformat(), "hour": hour, "hours": hours},
    )


def test_it_stores_an_api_booking_of_9_00_as_01_00_utc(api, demo, sem, day):
    response = _api_book(api, sem, demo["voucher"], day, 9, 2)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["starts_at"] == f"{day.isoformat()}T01:00:00Z"
    assert body["ends_at"] == f"{day.isoformat()}T03:00:00Z"
    booking = InstrumentBooking.objects.get(pk=body["id"])
    assert booking.starts_at == _utc(day, 1) and booking.ends_at == _utc(day, 3)
    assert list(booking.slots.values_list("starts_at", flat=True)) == [
        _utc(day, 1),
        _utc(day, 2),
    ]


def test_it_titles_an_api_booking_with_the_local_hours_it_holds(api, demo, sem, day):
    response = _api_book(api, sem, demo["voucher"], day, 9, 2)
    assert response.status_code == 201, response.content
    booking = InstrumentBooking.objects.select_related("service_order").get(
        pk=response.json()["id"]
    )
    assert f"{day.isoformat()} 09:00–11:00" in booking.service_order.title
    assert booking.starts_at.astimezone(SHANGHAI) == datetime.combine(day, time(9), tzinfo=SHANGHAI)


def test_it_stores_a_page_booking_and_an_api_booking_alike(api, web, demo, sem, day):
    assert _page_book(web, sem, demo["voucher"], day, 9, 1).status_code == 302
    assert _api_book(api, sem, demo["voucher"], day, 10, 1).status_code == 201
    assert list(
        InstrumentBooking.objects.filter(offering=sem).values_list("starts_at", flat=True)
    ) == [_utc(day, 1), _utc(day, 2)]


def test_it_shows_an_api_booking_as_booked_on_the_calendar(api, client, demo, sem, day):
    assert _api_book(api, sem, demo["voucher"], day, 9, 2).status_code == 201
    calendar = client.get(f"/instruments/{sem.pk}/").context["calendar"]
    booked = [(d["day"], s["hour"]) for d in calendar for s in d["slots"] if s["booked"]]
    assert booked == [(day, 9), (day, 10)]


def test_it_refuses_a_page_booking_of_a_slot_booked_through_the_api(api, web, demo, sem, day):
    assert _api_book(api, sem, demo["voucher"], day, 9, 2).status_code == 201
    orders = ServiceOrder.objects.count()
    response = _page_book(web, sem, demo["voucher"], day, 9, 2)
    assert response.status_code == 409
    assert ServiceOrder.objects.count() == orders
    assert InstrumentBooking.objects.filter(offering=sem).count() == 1


def test_it_refuses_an_api_booking_of_a_slot_booked_on_the_page(api, web, demo, sem, day):
    assert _page_book(web, sem, demo["voucher"], day, 9, 2).status_code == 302
    orders = ServiceOrder.objects.count()
    response = _api_book(api, sem, demo["voucher"], day, 10, 1)
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "slot_taken"
    assert ServiceOrder.objects.count() == orders
    assert InstrumentBooking.objects.filter(offering=sem).count() == 1


@pytest.mark.parametrize(
    "hour, hours, starts, ends",
    [(9, 1, 1, 2), (16, 1, 8, 9), (9, 8, 1, 9)],
)
def test_it_takes_api_bookings_within_local_opening_hours(
    api, demo, sem, day, hour, hours, starts, ends
):
    response = _api_book(api, sem, demo["voucher"], day, hour, hours)
    assert response.status_code == 201, response.content
    booking = InstrumentBooking.objects.get(pk=response.json()["id"])
    assert (booking.starts_at, booking.ends_at) == (_utc(day, starts), _utc(day, ends))


@pytest.mark.parametrize(
    "hour, hours, field",
    [(8, 1, "hour"), (17, 1, "hour"), (16, 2, "hours"), (10, 8, "hours")],
)
def test_it_refuses_api_bookings_outside_local_opening_hours(
    api, demo, sem, day, hour, hours, field
):
    response = _api_book(api, sem, demo["voucher"], day, hour, hours)
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not InstrumentBooking.objects.exists()


@pytest.fixture
def early_morning_in_china(monkeypatch):
    """03:00 tomorrow in China, which is still the day before in UTC: the clock the booking
    window is counted by. Tomorrow, so that the demo voucher, issued today, is valid."""
    tomorrow = timezone.localdate(timezone=SHANGHAI) + timedelta(days=1)
    moment = datetime.combine(tomorrow, time(3), tzinfo=SHANGHAI)
    monkeypatch.setattr(timezone, "now", lambda: moment.astimezone(UTC))
    return tomorrow


def test_it_counts_the_api_booking_window_in_local_days(api, demo, sem, early_morning_in_china):
    last_day = early_morning_in_china + timedelta(days=13)
    response = _api_book(api, sem, demo["voucher"], last_day, 9, 1)
    assert response.status_code == 201, response.content
    assert response.json()["starts_at"] == f"{last_day.isoformat()}T01:00:00Z"
    beyond = _api_book(api, sem, demo["voucher"], last_day + timedelta(days=1), 9, 1)
    assert beyond.status_code == 400 and "day" in beyond.json()


def test_the_title_is_the_same_whatever_language_the_booker_reads(api, demo, sem, day):
    """A Chinese booker's full-width colon stood in the English pages and CSVs."""
    response = api.post(
        f"/api/instruments/{sem.pk}/bookings/",
        {"voucher": demo["voucher"].serial, "day": day.isoformat(), "hour": 9, "hours": 1},
        format="json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 201, response.content
    order = InstrumentBooking.objects.get(pk=response.json()["id"]).service_order
    assert order.title == f"{sem.title} · {day.isoformat()} 09:00–10:00"
