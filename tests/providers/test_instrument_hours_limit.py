"""A shared instrument is open at most 744 hours a month (31 x 24): 1000000000000 hours a
month was published through the API and shown on the provider's public page. The page's
form, the API and the service refuse more, beside the field."""

import pytest

from portal.errors import ValidationFailed
from providers import services
from providers.models import ServiceCategory, ServiceOffering

pytestmark = pytest.mark.django_db

MESSAGE = "A month has at most 744 hours: enter the hours the instrument is open."


@pytest.fixture
def testing():
    return ServiceCategory.objects.get(code="testing")


def instrument(testing, hours) -> dict:
    return {
        "category": testing.pk,
        "title": "Raman spectrometer",
        "is_instrument": "on",
        "instrument_hours": hours,
        "hourly_rate": "300.00",
    }


@pytest.mark.parametrize("hours", ["745", "1000000000000"])
def test_the_page_refuses_more_hours_than_a_month_has(client, users, testing, hours):
    client.force_login(users["provider-sit"])

    response = client.post("/provider/offerings/new/", instrument(testing, hours))

    assert response.status_code == 400
    assert response.context["form"].errors["instrument_hours"] == [MESSAGE]
    assert not ServiceOffering.objects.filter(title="Raman spectrometer").exists()


def test_the_page_takes_a_whole_month(client, users, testing):
    client.force_login(users["provider-sit"])

    assert client.post("/provider/offerings/new/", instrument(testing, "744")).status_code == 302
    assert ServiceOffering.objects.get(title="Raman spectrometer").instrument_hours == 744


@pytest.mark.parametrize("hours", [745, 1000000000000])
def test_the_api_refuses_them(api_as, users, testing, hours):
    response = api_as(users["provider-sit"]).post(
        "/api/service-offerings/",
        {
            "category": "testing",
            "title": "Raman spectrometer",
            "is_instrument": True,
            "instrument_hours": hours,
            "hourly_rate": "300.00",
        },
        format="json",
    )

    assert response.status_code == 400, response.content
    assert "instrument_hours" in response.json()
    assert not ServiceOffering.objects.filter(title="Raman spectrometer").exists()


def test_the_service_refuses_them_when_editing(users, testing):
    offering = services.offering_create(
        actor=users["provider-sit"],
        category=testing,
        title="Raman spectrometer",
        is_instrument=True,
        instrument_hours=100,
    )
    with pytest.raises(ValidationFailed) as refusal:
        services.offering_update(
            actor=users["provider-sit"], offering=offering, instrument_hours=745
        )
    assert refusal.value.field == "instrument_hours"
    offering.refresh_from_db()
    assert offering.instrument_hours == 100
