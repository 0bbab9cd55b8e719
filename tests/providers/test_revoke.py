import pytest

from providers.models import Provider

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("first", ["certified", "suspended"])
def test_it_revokes_the_provider_and_its_certificate(api_as, users, sit, client, first):
    official = api_as(users["official-yangpu"])
    certificate = sit.certificates.get()
    if first == "suspended":
        official.post(f"/api/providers/{sit.pk}/suspend/", {"reason": "x"}, format="json")
    response = official.post(
        f"/api/providers/{sit.pk}/revoke/", {"reason": "Forged reports."}, format="json"
    )
    assert response.status_code == 200
    sit.refresh_from_db()
    certificate.refresh_from_db()
    assert sit.status == Provider.Status.REVOKED
    assert certificate.status == "revoked"
    assert "Revoked" in client.get(f"/verify/{certificate.serial}/").content.decode()


def test_it_is_final(api_as, users, sit):
    official = api_as(users["official-yangpu"])
    official.post(f"/api/providers/{sit.pk}/revoke/", {"reason": "x"}, format="json")
    assert official.post(f"/api/providers/{sit.pk}/certify/").status_code == 409


def test_it_needs_a_reason(api_as, users, sit):
    response = api_as(users["official-yangpu"]).post(
        f"/api/providers/{sit.pk}/revoke/", {}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()


def test_it_revokes_from_the_page(client, users, sit):
    client.force_login(users["official-yangpu"])
    response = client.post(f"/providers/{sit.pk}/revoke/", {"reason": "Forged reports."})
    assert response.status_code == 302
    sit.refresh_from_db()
    assert sit.status == "revoked"
