"""A service's lead time is at most ten years (3,650 days): 999999999999 days was listed,
and shown on the provider's public page. The page's form, the API and the service refuse
more, beside the field."""

import pytest

from portal.errors import ValidationFailed
from providers import services
from providers.models import ServiceCategory, ServiceOffering

pytestmark = pytest.mark.django_db

MESSAGE = "Enter a lead time of at most 3650 days (ten years)."


@pytest.fixture
def testing():
    return ServiceCategory.objects.get(code="testing")


def post_new(client, testing, lead_time):
    return client.post(
        "/provider/offerings/new/",
        {"category": testing.pk, "title": "Slow test", "lead_time_days": lead_time},
    )


@pytest.mark.parametrize("days", ["3651", "999999999999"])
def test_the_page_refuses_a_lead_time_over_ten_years(client, users, testing, days):
    client.force_login(users["provider-sit"])

    response = post_new(client, testing, days)

    assert response.status_code == 400
    assert response.context["form"].errors["lead_time_days"] == [MESSAGE]
    assert not ServiceOffering.objects.filter(title="Slow test").exists()


def test_the_page_takes_ten_years(client, users, testing):
    client.force_login(users["provider-sit"])

    assert post_new(client, testing, "3650").status_code == 302
    assert ServiceOffering.objects.get(title="Slow test").lead_time_days == 3650


def test_the_page_refuses_it_when_editing(client, users, sit, testing):
    offering = sit.offerings.get()
    client.force_login(users["provider-sit"])

    response = client.post(
        f"/provider/offerings/{offering.pk}/edit/",
        {"category": testing.pk, "title": offering.title, "lead_time_days": "999999999999"},
    )

    assert response.status_code == 400
    offering.refresh_from_db()
    assert offering.lead_time_days != 999999999999


def test_the_api_refuses_a_lead_time_over_ten_years(api_as, users, sit):
    offering = sit.offerings.get()

    response = api_as(users["provider-sit"]).patch(
        f"/api/service-offerings/{offering.pk}/", {"lead_time_days": 3651}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["lead_time_days"] == [MESSAGE]
    offering.refresh_from_db()
    assert offering.lead_time_days != 3651


def test_the_service_refuses_it(users, testing):
    with pytest.raises(ValidationFailed) as refusal:
        services.offering_create(
            actor=users["provider-sit"], category=testing, title="Slow", lead_time_days=3651
        )
    assert refusal.value.field == "lead_time_days"
