"""`GET POST /api/instruments/{id}/bookings/`: an enterprise books hours of a shared
instrument paid by its voucher (the same service as the page); who sees which bookings;
bad input 400 (a voucher not the enterprise's own too), another role 403, an unknown
instrument 404, a taken hour 409."""

import pytest

from providers.models import InstrumentBooking, ServiceOffering, ServiceOrder

pytestmark = pytest.mark.django_db


def _url(offering_id):
    return f"/api/instruments/{offering_id}/bookings/"


def _book(client, sem, voucher, day, hour=10, hours=2):
    return client.post(
        _url(sem.pk),
        {"voucher": voucher.serial, "day": day.isoformat(), "hour": hour, "hours": hours},
        format="json",
    )


def test_an_enterprise_books_and_gets_the_booking_with_its_order(api_as, demo, sem, day):
    client = api_as(demo["users"]["enterprise-jiangnan"])
    response = _book(client, sem, demo["voucher"], day, hour=13, hours=3)
    assert response.status_code == 201, response.content
    body = response.json()
    booking = InstrumentBooking.objects.get(pk=body["id"])
    assert body["instrument"] == sem.pk and body["hours"] == 3
    assert body["service_order"] == booking.service_order_id
    order = ServiceOrder.objects.get(pk=body["service_order"])
    assert order.contract_amount == sem.hourly_rate * 3 and order.voucher == demo["voucher"]
    listed = client.get(_url(sem.pk)).json()
    assert [b["id"] for b in listed["results"]] == [booking.pk]
    # Its ordering is the one the schema documents, checked like every list's.
    assert client.get(_url(sem.pk) + "?ordering=-starts_at").status_code == 200
    assert client.get(_url(sem.pk) + "?ordering=price").status_code == 400


def test_the_same_hour_twice_is_409_and_writes_nothing(api_as, demo, sem, day):
    client = api_as(demo["users"]["enterprise-jiangnan"])
    assert _book(client, sem, demo["voucher"], day, hour=10, hours=3).status_code == 201
    orders = ServiceOrder.objects.count()
    response = _book(client, sem, demo["voucher"], day, hour=12, hours=2)
    assert response.status_code == 409
    assert response.json()["code"] == "slot_taken"
    assert ServiceOrder.objects.count() == orders


@pytest.mark.parametrize(
    "change, field",
    [
        ({"hours": 0}, "hours"),
        ({"hour": 8}, "hour"),
        ({"hour": 16, "hours": 2}, "hours"),
        ({"day": "2001-01-01"}, "day"),
        ({"day": "not a day"}, "day"),
        ({"hours": "two"}, "hours"),
    ],
)
def test_bad_input_is_400_naming_the_field(api_as, demo, sem, day, change, field):
    client = api_as(demo["users"]["enterprise-jiangnan"])
    data = {"voucher": demo["voucher"].serial, "day": day.isoformat(), "hour": 10, "hours": 2}
    response = client.post(_url(sem.pk), {**data, **change}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not InstrumentBooking.objects.exists()


def test_who_may_book_and_who_sees_what(api_as, api_client, demo, sem, day):
    users = demo["users"]
    assert _book(api_as(users["enterprise-jiangnan"]), sem, demo["voucher"], day).status_code == 201
    # A provider or an official may not book (403); anonymous callers are asked to sign in.
    for username in ("provider-weikai", "official-wujin"):
        response = _book(api_as(users[username]), sem, demo["voucher"], day, hour=14)
        assert response.status_code == 403, username
    assert api_client.get(_url(sem.pk)).status_code == 401
    # Another enterprise's voucher is refused beside the field; an offering that is no
    # instrument is not found.
    other = api_as(users["enterprise-yangpu"])
    refused = _book(other, sem, demo["voucher"], day, hour=14)
    assert refused.status_code == 400
    assert refused.json()["voucher"] == ["You have no voucher with this serial."]
    plain = ServiceOffering.objects.filter(is_instrument=False).first()
    assert other.get(_url(plain.pk)).status_code == 404
    assert other.get(_url(999999)).status_code == 404
    # The booking enterprise, the instrument's provider and the district official see the
    # booking; another enterprise and another provider see none.
    for username, count in [
        ("enterprise-jiangnan", 1),
        ("provider-weikai", 1),
        ("official-wujin", 1),
        ("enterprise-yangpu", 0),
        ("provider-sit", 0),
    ]:
        response = api_as(users[username]).get(_url(sem.pk))
        assert response.status_code == 200 and response.json()["count"] == count, username
