import pytest

from providers.models import ServiceCategory, ServiceOffering

pytestmark = pytest.mark.django_db


@pytest.fixture
def testing():
    return ServiceCategory.objects.get(code="testing")


def test_a_provider_adds_a_service_in_the_page(client, users, sit, testing):
    client.force_login(users["provider-sit"])
    response = client.post(
        "/provider/offerings/new/",
        {
            "category": testing.pk,
            "title": "Powder particle size analysis",
            "description": "Laser diffraction.",
            "indicative_price": "1200.00",
            "lead_time_days": "7",
        },
    )
    assert response.status_code == 302
    offering = ServiceOffering.objects.get(title="Powder particle size analysis")
    assert offering.provider == sit and offering.active


def test_it_shows_errors_next_to_the_fields(client, users, testing):
    client.force_login(users["provider-sit"])
    response = client.post(
        "/provider/offerings/new/",
        {"category": testing.pk, "title": "", "indicative_price": "-5"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["title"]


def test_a_provider_edits_and_withdraws_its_service(client, users, sit, testing):
    offering = sit.offerings.get()
    client.force_login(users["provider-sit"])
    response = client.post(
        f"/provider/offerings/{offering.pk}/edit/",
        {"category": testing.pk, "title": "Renamed", "indicative_price": "99.00"},
    )
    assert response.status_code == 302
    offering.refresh_from_db()
    assert offering.title == "Renamed"
    assert client.post(f"/provider/offerings/{offering.pk}/deactivate/").status_code == 302
    offering.refresh_from_db()
    assert not offering.active
    assert "withdrawn" in client.get(f"/providers/{sit.pk}/").content.decode()  # its own view
    client.logout()
    assert "Renamed" not in client.get(f"/providers/{sit.pk}/").content.decode()


def test_another_provider_cannot_edit_it(client, users, sit):
    offering = sit.offerings.get()
    client.force_login(users["provider-graphene"])
    assert client.get(f"/provider/offerings/{offering.pk}/edit/").status_code == 404
    assert client.post(f"/provider/offerings/{offering.pk}/deactivate/").status_code == 404
    offering.refresh_from_db()
    assert offering.active


def test_the_api_lists_creates_and_patches(api_as, api_client, users, sit):
    listed = api_client.get("/api/service-offerings/").json()
    assert listed["count"] == 5  # each seed provider's service and Weikai's shared microscope
    client = api_as(users["provider-sit"])
    created = client.post(
        "/api/service-offerings/",
        {
            "category": "instruments",
            "title": "SEM time",
            "is_instrument": True,
            "instrument_hours": 20,
            "indicative_price": "500.00",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["provider"] == sit.pk
    patched = client.patch(
        f"/api/service-offerings/{created.json()['id']}/", {"active": False}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["active"] is False
    assert api_client.get("/api/service-offerings/").json()["count"] == 5


def test_the_api_refuses_another_provider(api_as, users, sit):
    offering = sit.offerings.get()
    response = api_as(users["provider-graphene"]).patch(
        f"/api/service-offerings/{offering.pk}/", {"title": "Mine"}, format="json"
    )
    assert response.status_code == 403
    response = api_as(users["enterprise-jiangnan"]).post(
        "/api/service-offerings/", {"category": "testing", "title": "x"}, format="json"
    )
    assert response.status_code == 403


@pytest.mark.parametrize("hours", [None, 0])
def test_a_shared_instrument_needs_its_monthly_hours(api_as, users, hours):
    client = api_as(users["provider-sit"])
    body = {"category": "instruments", "title": "XRD", "is_instrument": True}
    if hours is not None:
        body["instrument_hours"] = hours
    response = client.post("/api/service-offerings/", body, format="json")
    assert response.status_code == 400, response.json()
    assert "hours a month" in str(response.json())
    created = client.post(
        "/api/service-offerings/", {**body, "instrument_hours": 40}, format="json"
    ).json()
    refused = client.patch(
        f"/api/service-offerings/{created['id']}/", {"instrument_hours": None}, format="json"
    )
    assert refused.status_code == 400


def test_a_save_from_a_form_opened_before_another_save_is_refused(client, users, sit, testing):
    """Two tabs: the second save silently undid the first one's title and price."""
    import re

    offering = sit.offerings.get()
    client.force_login(users["provider-sit"])
    path = f"/provider/offerings/{offering.pk}/edit/"

    def opened() -> str:
        page = client.get(path).content.decode()
        return re.search(r'name="edited_from" value="([0-9a-f]+)"', page).group(1)

    tab_a, tab_b = opened(), opened()
    body = {"category": testing.pk, "indicative_price": "9000.00", "lead_time_days": "5"}
    saved = client.post(path, {**body, "title": "Characterisation A", "edited_from": tab_a})
    assert saved.status_code == 302

    stale = client.post(path, {**body, "title": "Old title", "edited_from": tab_b})
    assert stale.status_code == 409
    assert "Someone changed this since you opened the form" in stale.content.decode()
    offering.refresh_from_db()
    assert offering.title == "Characterisation A"

    again = client.post(path, {**body, "title": "Old title", "edited_from": opened()})
    assert again.status_code == 302
    offering.refresh_from_db()
    assert offering.title == "Old title"
