import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def test_it_verifies_a_provider_certificate(api_client, sit):
    certificate = sit.certificates.get()
    response = api_client.get(f"/api/certificates/{certificate.serial}/")
    assert response.status_code == 200
    body = response.json()
    assert body["serial"] == certificate.serial
    assert body["kind"] == "provider"
    assert body["holder"] == "Shanghai Institute of Technology"
    assert body["region"] == "YANGPU"
    assert body["status"] == "valid"
    assert body["valid_until"] == certificate.valid_until.isoformat()
    assert body["issued_at"]


def test_it_verifies_a_voucher_serial(api_client, demo):
    voucher = demo["voucher"]
    body = api_client.get(f"/api/certificates/{voucher.serial}/").json()
    assert body["kind"] == "voucher"
    assert body["holder"] == "Ch****d."  # anonymous: masked
    assert body["region"] == "WUJIN"
    assert body["status"] == "active"
    assert body["valid_until"] == timezone.localtime(voucher.expires_at).date().isoformat()


def test_it_accepts_a_lower_case_serial(api_client, sit):
    serial = sit.certificates.get().serial
    assert api_client.get(f"/api/certificates/{serial.lower()}/").status_code == 200


def test_it_reads_a_serial_as_a_chinese_input_method_types_it(api_client, demo):
    """Full-width letters and digits and a long dash, as the public check's page reads them."""
    import unicodedata
    from urllib.parse import quote

    serial = demo["voucher"].serial
    full_width = "".join(chr(ord(ch) + 0xFEE0) if ch.isalnum() else "\u2014" for ch in serial)
    assert unicodedata.normalize("NFKC", full_width) != serial  # the dash is not NFKC's
    response = api_client.get(f"/api/certificates/{quote(full_width)}/")
    assert response.status_code == 200, response.content
    assert response.json()["serial"] == serial


def test_it_answers_404_with_a_clear_detail_for_an_unknown_serial(api_client, demo):
    response = api_client.get("/api/certificates/PC-YP-2026-9999-1/")
    assert response.status_code == 404
    assert "PC-YP-2026-9999-1" in response.json()["detail"]


@pytest.mark.parametrize(
    ("username", "in_full"),
    [
        ("provider-graphene", True),
        ("official-hefei", True),
        ("enterprise-jiangnan", True),  # its own voucher
        ("enterprise-yangpu", False),
    ],
)
def test_a_vouchers_holder_is_named_in_full_to_those_it_is_shown_to(
    api_as, demo, username, in_full
):
    body = api_as(demo["users"][username]).get(f"/api/certificates/{demo['voucher'].serial}/")
    full = "Changzhou Jiangnan Graphene Technology Co., Ltd."
    assert (body.json()["holder"] == full) is in_full
