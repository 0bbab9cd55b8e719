import pytest

from providers.models import Provider

pytestmark = pytest.mark.django_db


def suspend(api_as, users, provider, reason="Complaints under investigation."):
    return api_as(users["official-yangpu"]).post(
        f"/api/providers/{provider.pk}/suspend/", {"reason": reason}, format="json"
    )


def test_it_suspends_the_provider_and_its_certificate(api_as, users, sit, client):
    certificate = sit.certificates.get()
    assert suspend(api_as, users, sit).status_code == 200
    sit.refresh_from_db()
    certificate.refresh_from_db()
    assert sit.status == Provider.Status.SUSPENDED
    assert certificate.status == "suspended"
    page = client.get(f"/verify/{certificate.serial}/")
    assert page.status_code == 200
    assert "Suspended" in page.content.decode()
    assert "takes no new orders" in page.content.decode()
    api = api_as(users["enterprise-jiangnan"]).get(f"/api/certificates/{certificate.serial}/")
    assert api.json()["status"] == "suspended"


def test_it_needs_a_reason(api_as, users, sit):
    response = suspend(api_as, users, sit, reason="")
    assert response.status_code == 400
    sit.refresh_from_db()
    assert sit.status == "certified"


def test_it_reinstates_a_suspended_provider_with_its_certificate(api_as, users, sit):
    certificate = sit.certificates.get()
    suspend(api_as, users, sit)
    response = api_as(users["official-yangpu"]).post(f"/api/providers/{sit.pk}/certify/")
    assert response.status_code == 200
    assert response.json()["certificate"] == certificate.serial
    sit.refresh_from_db()
    certificate.refresh_from_db()
    assert sit.status == "certified"
    assert certificate.status == "valid"
    assert sit.certificates.count() == 1


def test_it_hides_a_suspended_provider_from_the_directory(api_as, users, sit, client):
    suspend(api_as, users, sit)
    assert "Shanghai Institute" not in client.get("/providers/").content.decode()
    assert client.get(f"/providers/{sit.pk}/").status_code == 404
    # its own user and its officials still see it
    client.force_login(users["provider-sit"])
    assert client.get(f"/providers/{sit.pk}/").status_code == 200


def test_a_suspended_provider_cannot_accept_orders(api_as, users, sit, demo):
    suspend(api_as, users, sit)
    response = api_as(users["provider-sit"]).post(f"/api/service-orders/{demo['order'].pk}/accept/")
    assert response.status_code == 409
    assert response.json()["code"] == "provider_not_certified"


def test_a_suspended_providers_pages_offer_no_accept(api_as, users, sit, demo, client):
    order = demo["order"]
    client.force_login(users["provider-sit"])
    accept = f'action="/orders/{order.pk}/accept/'
    assert order.status == "requested"
    assert accept in client.get(f"/orders/{order.pk}/").content.decode()
    suspend(api_as, users, sit)
    for path in (f"/orders/{order.pk}/", "/provider/", "/orders/"):
        assert accept not in client.get(path).content.decode(), path


def test_a_suspended_provider_publishes_no_new_service(api_as, users, sit):
    suspend(api_as, users, sit)
    body = {"category": "testing", "title": "Tensile tests", "indicative_price": "800.00"}
    response = api_as(users["provider-sit"]).post("/api/service-offerings/", body, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "provider_not_certified"
    assert not sit.offerings.filter(title="Tensile tests").exists()


def test_a_suspended_provider_is_offered_no_new_service_form(api_as, users, sit, client):
    client.force_login(users["provider-sit"])
    assert 'href="/provider/offerings/new/"' in client.get("/provider/offerings/").content.decode()
    suspend(api_as, users, sit)
    listing = client.get("/provider/offerings/").content.decode()
    assert 'href="/provider/offerings/new/"' not in listing
    assert "it publishes no new services" in listing
    page = client.get("/provider/offerings/new/").content.decode()
    assert "it publishes no new services" in page and 'name="title"' not in page
