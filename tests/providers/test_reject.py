import pytest

from providers.models import Provider

pytestmark = pytest.mark.django_db


def test_it_rejects_with_a_reason(api_as, users, make_provider):
    provider = make_provider(region="HEFEI_HT")
    response = api_as(users["official-hefei"]).post(
        f"/api/providers/{provider.pk}/reject/",
        {"reason": "No accreditation certificate."},
        format="json",
    )
    assert response.status_code == 200
    provider.refresh_from_db()
    assert provider.status == Provider.Status.REJECTED
    assert provider.status_reason == "No accreditation certificate."
    assert not provider.certificates.exists()


def test_it_answers_400_without_a_reason(api_as, users, make_provider):
    provider = make_provider(region="HEFEI_HT")
    response = api_as(users["official-hefei"]).post(
        f"/api/providers/{provider.pk}/reject/", {"reason": "  "}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["reason"] == ["Please give a reason."]
    provider.refresh_from_db()
    assert provider.status == Provider.Status.APPLIED


def test_it_shows_the_missing_reason_next_to_the_field(client, users, make_provider):
    provider = make_provider(region="HEFEI_HT")
    client.force_login(users["official-hefei"])
    response = client.post(f"/providers/{provider.pk}/reject/", {"reason": ""})
    assert response.status_code == 400
    assert "Please give a reason." in response.content.decode()
    provider.refresh_from_db()
    assert provider.status == Provider.Status.APPLIED


def test_it_rejects_from_the_page(
    client, users, make_provider, mailoutbox, django_capture_on_commit_callbacks
):
    provider = make_provider(region="HEFEI_HT")
    client.force_login(users["official-hefei"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/providers/{provider.pk}/reject/", {"reason": "Out of scope"})
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.status == Provider.Status.REJECTED
    assert provider.contact_email in mailoutbox[-1].to


def test_it_cannot_reject_a_certified_provider(api_as, users, sit):
    response = api_as(users["official-yangpu"]).post(
        f"/api/providers/{sit.pk}/reject/", {"reason": "late"}, format="json"
    )
    assert response.status_code == 409
