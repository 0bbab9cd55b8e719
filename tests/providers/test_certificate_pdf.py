import pytest

from providers.tasks import generate_provider_certificate
from tests.providers.conftest import certify_now

pytestmark = pytest.mark.django_db


@pytest.fixture
def certificate(users, make_provider):
    provider = make_provider(region="WUJIN", name="Wujin Test Lab")
    return certify_now(provider, users["official-wujin"])


def test_it_draws_a_pdf(certificate):
    result = generate_provider_certificate(certificate.pk)
    certificate.refresh_from_db()
    assert result["serial"] == certificate.serial
    with certificate.pdf.open("rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


def test_it_is_idempotent(certificate):
    generate_provider_certificate(certificate.pk)
    certificate.refresh_from_db()
    first = certificate.pdf.name
    generate_provider_certificate(certificate.pk)
    certificate.refresh_from_db()
    assert certificate.pdf.name == first


def test_the_provider_downloads_it_from_its_page(client, certificate):
    provider = certificate.provider
    client.force_login(provider.users.get())
    page = client.get(f"/providers/{provider.pk}/")
    url = f"/providers/{provider.pk}/certificates/{certificate.pk}/pdf/"
    assert url in page.content.decode()
    response = client.get(url)  # drawn on demand when the task has not run yet
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


@pytest.mark.parametrize("username", ["provider-sit", "official-yangpu", "enterprise-jiangnan"])
def test_others_get_404(client, users, certificate, username):
    client.force_login(users[username])
    url = f"/providers/{certificate.provider_id}/certificates/{certificate.pk}/pdf/"
    assert client.get(url).status_code == 404


def test_its_district_official_and_the_operator_download_it(client, users, certificate):
    url = f"/providers/{certificate.provider_id}/certificates/{certificate.pk}/pdf/"
    for username in ("official-wujin", "operator"):
        client.force_login(users[username])
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("action", "status_words"),
    [("suspend", "Suspended: not valid now"), ("revoke", "Revoked: not valid")],
)
def test_a_suspended_or_revoked_certificate_downloads_saying_so(
    client, users, certificate, monkeypatch, action, status_words
):
    """Its PDF, drawn while valid, still read "Valid until 2029" after the provider was
    suspended or revoked (only the QR code's page said otherwise)."""
    import portal.pdf
    from providers import services

    generate_provider_certificate(certificate.pk)  # the stored PDF, drawn while valid
    drawn = []
    draw = portal.pdf.certificate_pdf

    def recording(**kwargs):
        drawn.append(kwargs["rows"])
        return draw(**kwargs)

    monkeypatch.setattr(portal.pdf, "certificate_pdf", recording)
    provider = certificate.provider
    official = users["official-wujin"]
    if action == "suspend":
        services.provider_suspend(provider=provider, actor=official, reason="Complaints.")
    else:
        services.provider_revoke(provider=provider, actor=official, reason="Forged papers.")
    client.force_login(provider.users.get())
    response = client.get(f"/providers/{provider.pk}/certificates/{certificate.pk}/pdf/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert any(status_words in row[2] for row in drawn[-1] if row[1] == "Status")
